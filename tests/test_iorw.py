"""iorw: atomic writes."""

import pytest

from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import atomic_path, read_csv_table, writable_folder, write_text


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = write_text(tmp_path / "report.html", "good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_atomic_writes_follow_the_umask_without_changing_it(tmp_path):
    import os
    import threading

    old = os.umask(0o027)
    try:
        seen = []

        # Another thread reads the umask while files are written: it must never see 0.
        def watch():
            for _ in range(200):
                mask = os.umask(0o027)
                os.umask(mask)
                seen.append(mask)

        watcher = threading.Thread(target=watch)
        watcher.start()
        for i in range(50):
            write_text(tmp_path / f"r{i}.txt", "x")
        watcher.join()
    finally:
        os.umask(old)
    assert all((tmp_path / f"r{i}.txt").stat().st_mode & 0o777 == 0o640 for i in range(50))
    assert set(seen) == {0o027}
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [("cp1252", b"", ";"), ("utf-16-le", b"\xff\xfe", "\t"), ("utf-8", b"\xef\xbb\xbf", ",")],
)
def test_a_csv_table_saved_by_excel_on_windows_is_read(tmp_path, encoding, bom, delimiter):
    """Excel saves a plain "CSV" in the Windows code page (semicolons in much of Europe) and
    "Unicode text" as UTF-16 with tabs: gold files, coded tables and review sheets alike."""
    rows = [["segment_id", "text", "stage"], ["p01:2", "Café — “fine”", "use"]]
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path = tmp_path / "gold.csv"
    path.write_bytes(bom + text.encode(encoding))
    table = read_csv_table(path)
    assert list(table.columns) == ["segment_id", "text", "stage"]
    assert table.iloc[0].tolist() == ["p01:2", "Café — “fine”", "use"]


def test_a_folder_nobody_may_write_is_said_before_any_work(tmp_path):
    # A read-only reports/ ended a whole build in "internal error: PermissionError … .tmp".
    assert writable_folder(tmp_path / "reports") == tmp_path / "reports"
    assert list((tmp_path / "reports").iterdir()) == []  # the probe is gone again
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(CJMInputError) as caught:
        writable_folder(tmp_path / "taken" / "reports", "reports folder", "use --out DIR")
    assert caught.value.message.startswith("cannot write the reports folder: ")
    assert caught.value.path == tmp_path / "taken" / "reports" and caught.value.hint
