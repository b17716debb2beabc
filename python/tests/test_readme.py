"""The README's Python lines run as written (in a scratch folder holding the shipped data)."""
import os
import re

from conftest import ROOT


def test_the_readmes_python_lines_run(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Use from Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    os.symlink(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "house.safetensors").is_file()
    printed = capsys.readouterr().out
    assert printed.count("[") == 2, printed
