"""Prove the suite sees a missing commit: drop a view's commits and expect tests to fail.

Run ``python -m tests.missing_commits`` (``.ci/run`` does, beside the test command). For
each view below it starts pytest on the tests that cover it, with that view's
``db.session.commit()`` calls replaced by ``pass`` in a copy of its module loaded in
place of the real one. A mutant that leaves those tests green is a view whose missing
commit nobody would notice: the check names it and exits 1.

The same file is the pytest plugin that loads the copy (``-p tests.missing_commits``,
told which view by ``TRACKER_DROP_COMMITS=module:function``).
"""

from __future__ import annotations

import argparse
import ast
import importlib.abc
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = "TRACKER_DROP_COMMITS"


@dataclass(frozen=True)
class Mutant:
    """A view that must commit, and the tests that must notice when it does not."""

    action: str
    module: str
    function: str
    tests: tuple[str, ...]


WEB = "tests/web/test_pages.py"
API = "tests/web/test_api.py"
PARTNER = "tests/partner/test_connect.py"
# fmt: off
MUTANTS = (
    Mutant("ticking (page)", "tracker.web.tasks", "complete", (WEB,)),
    Mutant("unticking (page)", "tracker.web.tasks", "reopen", (WEB,)),
    Mutant("assigning (page)", "tracker.web.tasks", "assign", (WEB,)),
    Mutant("notes (page)", "tracker.web.tasks", "note", (WEB,)),
    Mutant("store creation (page)", "tracker.web.stores", "new_store", (WEB,)),
    Mutant("profile edit (page)", "tracker.web.stores", "edit", (WEB,)),
    Mutant("account binding (page)", "tracker.web.accounts", "bind", ("tests/accounts",)),
    Mutant("live logging (page)", "tracker.web.lives", "log", ("tests/lives",)),
    Mutant("product-line saving (page)", "tracker.web.stockup", "save", ("tests/stockup",)),
    Mutant(
        "dismissing from the inbox (page)", "tracker.web.reminders", "dismiss_reminder",
        ("tests/reminders/test_inbox_actions.py",),
    ),
    Mutant(
        "dismissing from the inbox (API)", "tracker.api.views", "dismiss_inbox_reminder",
        ("tests/api/test_inbox.py",),
    ),
    Mutant(
        "marking the inbox read (API)", "tracker.api.views", "mark_inbox_read",
        ("tests/api/test_inbox.py",),
    ),
    Mutant("ticking (API)", "tracker.api.views", "complete_task", (API,)),
    Mutant("unticking (API)", "tracker.api.views", "reopen_task", (API,)),
    Mutant("assigning and notes (API)", "tracker.api.views", "update_task", (API,)),
    Mutant("store creation (API)", "tracker.api.views", "create_store", (API,)),
    Mutant("profile edit (API)", "tracker.api.views", "update_store", (API,)),
    Mutant("account binding (API)", "tracker.api.views", "bind_account", ("tests/accounts", API)),
    Mutant("live logging (API)", "tracker.api.views", "log_live", ("tests/lives", API)),
    Mutant(
        "product-line saving (API)", "tracker.api.views", "add_product_line",
        ("tests/stockup", API),
    ),
    Mutant("product-line change (API)", "tracker.api.views", "change_line", ("tests/stockup", API)),
    Mutant("TikTok Shop connection (page)", "tracker.web.partner", "callback", (PARTNER,)),
    Mutant("TikTok Shop disconnection (page)", "tracker.web.partner", "disconnect", (PARTNER,)),
    Mutant(
        "adding a task (page)", "tracker.web.stores", "add_task",
        ("tests/web/test_day_setup.py",),
    ),
    Mutant(
        "changing a listed task (page)", "tracker.web.tasks", "change",
        ("tests/tasks/test_pages_change_in_list.py",),
    ),
    # Read pages that keep the scores they counted again (tracker.readiness.scores).
    Mutant(
        "readiness scores (pages)", "tracker.web.readiness", "_keeping_scores",
        ("tests/readiness/test_score_locks.py",),
    ),
    Mutant(
        "readiness scores (API)", "tracker.api.views", "readiness",
        ("tests/readiness/test_score_locks.py",),
    ),
)
# fmt: on


# --- the plugin: load a copy of one module with one function's commits dropped ----------


class _DropCommits(ast.NodeTransformer):
    """Replace every ``db.session.commit()`` statement inside one function with ``pass``."""

    def __init__(self, function: str) -> None:
        self.function, self.inside, self.dropped = function, 0, 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        entering = node.name == self.function
        self.inside += entering
        self.generic_visit(node)
        self.inside -= entering
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if self.inside and ast.unparse(node.value) == "db.session.commit()":
            self.dropped += 1
            return ast.copy_location(ast.Pass(), node)
        return node


def mutated_source(origin: str, function: str) -> str:
    """The module's source with the function's commits dropped; refuse if it has none."""
    tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
    dropper = _DropCommits(function)
    tree = ast.fix_missing_locations(dropper.visit(tree))
    if dropper.dropped == 0:
        raise SystemExit(f"{VARIABLE}: {function} in {origin} has no db.session.commit() to drop")
    return ast.unparse(tree)


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, module: str, function: str) -> None:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{VARIABLE}: no module {module}")
        self.module, self.origin = module, spec.origin
        self.source = mutated_source(spec.origin, function)

    def find_spec(self, fullname: str, path: object, target: object = None) -> object:
        if fullname != self.module:
            return None
        return importlib.util.spec_from_file_location(fullname, self.origin, loader=self)

    def create_module(self, spec: object) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self.source, str(module.__spec__.origin), "exec"), module.__dict__)


def pytest_configure(config: object) -> None:
    """Load the mutant named in the environment before any test imports the app."""
    target = os.environ.get(VARIABLE)
    if target:
        module, _, function = target.partition(":")
        if module in sys.modules:
            raise SystemExit(f"{VARIABLE}: {module} was imported before the plugin")
        sys.meta_path.insert(0, _MutantFinder(module, function))


# --- the check ----------------------------------------------------------------------------


def run_mutant(mutant: Mutant) -> tuple[Mutant, int, float, str]:
    """Run the mutant's tests; pytest's exit code 1 means a test failed, as it must."""
    started = time.monotonic()
    command = [
        sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
        "-p", "tests.missing_commits", "-m", "not postgresql and not browser", *mutant.tests,
    ]  # fmt: skip
    env = {**os.environ, VARIABLE: f"{mutant.module}:{mutant.function}"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    # Caught means a test *failed* (exit 1 with a FAILED line), not that something broke.
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    code = done.returncode if failed or done.returncode != 1 else 3
    detail = failed[0] if failed else (done.stdout + done.stderr).strip()[-2000:]
    return mutant, code, time.monotonic() - started, detail


def main(argv: Sequence[str] | None = None) -> int:
    """Run every mutant (two at a time) and say which, if any, went unnoticed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("-k", dest="only", default="", help="only mutants whose action has this")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.only in m.action]
    survivors = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for mutant, code, seconds, first in pool.map(run_mutant, chosen):
            caught = code == 1
            verdict = "caught" if caught else f"NOT CAUGHT (pytest exit {code})"
            print(f"{mutant.action:28} {mutant.module}.{mutant.function}: {verdict} "
                  f"in {seconds:.0f} s\n    {first}", flush=True)  # fmt: skip
            if not caught:
                survivors.append(mutant)
    if survivors:
        print(f"{len(survivors)} view(s) could lose their commit unnoticed", file=sys.stderr)
        return 1
    print(f"all {len(chosen)} missing commits were caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
