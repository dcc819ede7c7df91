"""What is exposed is documented: settings, CLI commands and API routes (a new one fails here until it is)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tests.support.routes_of import effective_routes
from xinyong.app import create_app
from xinyong.core.auth.access import rule_of
from xinyong.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _load_cli_reference() -> object:
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(XINYONG_[A-Z0-9_]+)`", text))
    expected = {f"XINYONG_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from docs/settings.md"
    stale = documented - expected - {"XINYONG_TEST_DATABASE_URL", "XINYONG_TEST_REDIS_URL"}
    assert stale == set(), "docs/settings.md documents settings that no longer exist"


def test_cli_reference_is_current() -> None:
    reference = _load_cli_reference()
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert reference.updated(text) == text, "run: .venv/bin/python scripts/cli_reference.py --write"  # type: ignore[attr-defined]
    for command in reference.commands():  # type: ignore[attr-defined]
        assert f"### `xinyong {command}`" in text


def test_every_route_is_documented() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    routes = list(effective_routes(create_app()))
    assert len(routes) > 50, "the route walk found too few routes"
    for route in routes:
        if route.include_in_schema:
            rule = rule_of(route.dependant)[0].name
            for method in route.methods:
                assert re.search(rf"\| {method} \| `{re.escape(route.path)}` \| {rule} \|", text), (
                    f"{method} {route.path} (access: {rule}) is not in docs/api.md"
                )


def test_citations_of_the_requirements_exist_and_nothing_points_outside_the_repository() -> None:
    headings = set(re.findall(r"^#+ (§[0-9a-z.]+)", (DOCS / "requirements.md").read_text(encoding="utf-8"), re.M))
    assert {"§0", "§1", "§2", "§3.8", "§3.11", "§3.12"} <= headings
    texts = [ROOT / "README.md", *DOCS.glob("*.md"), *(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    cited: set[str] = set()
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text or path.name == "test_docs.py", f"{path} points outside the repository"
        cited.update(re.findall(r"req (§[0-9a-z.]*[0-9a-z])", text))
    assert cited, "no citation found"
    assert cited - headings == set(), "cited sections missing from docs/requirements.md"
