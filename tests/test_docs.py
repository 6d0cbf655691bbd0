"""The README a newcomer reads first, and the manuals it leads to."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
RUN_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e . && tracker run"
TEST_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]' "
    "&& python -m pytest -n auto"
)
# A Markdown link or image: [text](target) or ![alt](target).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
MOST_README_LINES = 200


def _code_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S)]


def test_the_readme_opens_with_the_run_command_then_the_test_command() -> None:
    blocks = _code_blocks(README.read_text())
    assert blocks[:2] == [RUN_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert TEST_COMMAND in [line.strip() for line in ci]


def test_the_readme_is_short_and_says_how_to_run_a_quick_subset() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= MOST_README_LINES
    assert 'python -m pytest -q -m "not postgresql and not browser"' in _code_blocks(text)


def test_every_manual_is_linked_from_the_readme_and_the_index() -> None:
    manuals = {path.name for path in DOCS.glob("*.md")} - {"README.md"}
    assert manuals
    readme_links = {Path(target).name for target in LINK.findall(README.read_text())}
    index_links = {Path(target).name for target in LINK.findall((DOCS / "README.md").read_text())}
    assert manuals - readme_links == set()
    assert manuals - index_links == set()


def test_every_relative_link_in_the_readme_and_the_manuals_leads_to_a_file() -> None:
    broken = []
    for page in [README, *sorted(DOCS.glob("*.md"))]:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []
