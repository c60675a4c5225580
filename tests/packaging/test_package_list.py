"""pyproject.toml lists every package by hand (forms/ and resources/ are mapped into the
package from outside it); a subpackage added to the source tree must be listed too."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the check is the same on 3.10

ROOT = Path(__file__).resolve().parents[2]


def setuptools_config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def test_every_subpackage_of_the_source_tree_is_listed():
    package = ROOT / "foodsafety_desktop"
    on_disk = {
        ".".join(d.relative_to(ROOT).parts)
        for d in [package, *package.rglob("*")]
        if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
    }
    listed = set(setuptools_config()["packages"])
    assert sorted(on_disk - listed) == [], "add these to [tool.setuptools] packages"
    data = {"foodsafety_desktop.forms", "foodsafety_desktop.resources"}
    assert sorted(listed - on_disk - data) == [], "listed but not in the source tree"


def test_forms_and_resources_are_mapped_from_the_top_level_folders():
    config = setuptools_config()
    assert config["package-dir"] == {
        "foodsafety_desktop.forms": "forms",
        "foodsafety_desktop.resources": "resources",
    }
    data = config["package-data"]
    assert data["foodsafety_desktop.forms"] == ["*.ui"]
    assert all(p.startswith("seeds/") for p in data["foodsafety_desktop.resources"])
    # Namespace data packages: no __init__.py in the product owner's folders.
    assert not (ROOT / "forms" / "__init__.py").exists()
    assert not (ROOT / "resources" / "__init__.py").exists()
