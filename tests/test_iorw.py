"""iorw: atomic writes."""

import pytest

from cjm_research.iorw import atomic_path, write_text


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
