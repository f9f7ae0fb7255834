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
