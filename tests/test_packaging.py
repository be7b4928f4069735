"""The repository as HACS and hassfest see it: hacs.json, the manifest, and what ships.

HACS installs ``custom_components/home_type/`` and nothing else, after checking ``hacs.json``
and the manifest; Home Assistant's hassfest (its GitHub action) validates the manifest. The
rules below are theirs, written out here so that a broken manifest fails ``scripts/test``
rather than a user's install:

- hacs.json: ``name`` required, only the keys HACS knows, ``homeassistant`` a version
  AwesomeVersion parses -- and equal to the Home Assistant this project tests against;
- manifest: the keys hassfest requires (and ``version`` and ``issue_tracker``, which HACS and
  Home Assistant require of a custom integration), no unknown key, ``domain`` then ``name``
  then alphabetical order, ``domain`` equal to its folder, https links, a valid ``iot_class``
  and ``integration_type``, ``version`` a version AwesomeVersion parses;
- ``requirements``: empty, or packages known to have musllinux wheels (Home Assistant OS and
  its container are Alpine) that Home Assistant's own pins allow (``package_constraints.txt``
  in the installed ``homeassistant`` package);
- one integration under ``custom_components/``, and every file Home Assistant reads at run
  time inside it: manifest, translations, services, icons, the bundled model and its hash,
  the brand images -- and no import of anything outside it.
"""

from __future__ import annotations

import ast
import json
import re
import struct
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import homeassistant
import pytest
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import __version__ as HA_VERSION
from packaging.requirements import Requirement

from custom_components.home_type.core.model import load_model
from tests.conftest import scripts_uv_version

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "home_type"

#: hacs/integration: custom_components/hacs/utils/validate.py, HACS_MANIFEST_JSON_SCHEMA.
HACS_JSON_KEYS = {"content_in_root", "country", "filename", "hacs", "hide_default_branch",
                  "homeassistant", "name", "persistent_directory", "render_readme",
                  "zip_release"}
HACS_JSON_BOOLEANS = {"content_in_root", "hide_default_branch", "render_readme", "zip_release"}

#: hassfest (script/hassfest/manifest.py): the keys a custom integration's manifest may have.
MANIFEST_KEYS = {"domain", "name", "integration_type", "config_flow", "mqtt", "zeroconf",
                 "ssdp", "bluetooth", "homekit", "dhcp", "usb", "documentation",
                 "issue_tracker", "quality_scale", "requirements", "dependencies",
                 "after_dependencies", "codeowners", "loggers", "disabled", "iot_class",
                 "single_config_entry", "version", "import_executor"}
#: Required by hassfest (domain, name, documentation, codeowners), by Home Assistant for a
#: custom integration (version) and by HACS (issue_tracker, codeowners, version).
MANIFEST_REQUIRED = {"domain", "name", "documentation", "codeowners", "iot_class", "version",
                     "issue_tracker"}
IOT_CLASSES = {"assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling",
               "local_push"}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system"}
VERSION_STRATEGIES = [AwesomeVersionStrategy.CALVER, AwesomeVersionStrategy.SEMVER,
                      AwesomeVersionStrategy.SIMPLEVER, AwesomeVersionStrategy.BUILDVER,
                      AwesomeVersionStrategy.PEP440]

#: Requirements checked by hand to have musllinux x86_64 and aarch64 wheels on PyPI (name:
#: what was checked). scikit-learn, which has no musllinux wheels, must never be here (README:
#: the integration runs on numpy and the standard library alone).
MUSLLINUX_WHEELS_CHECKED: dict[str, str] = {
    "numpy": "2.2.2 and 2.3.2 (Home Assistant 2025.4 and 2026.2-2026.11 pins), cp313, "
             "musllinux_1_2 x86_64 and aarch64, pip download --only-binary, 2026-11-30",
}


def load_json(path: Path) -> Any:
    """The file's JSON; a key twice in one object fails (json keeps the last one silently)."""
    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        assert len(set(keys)) == len(keys), f"{path.name}: a key twice in one object: {keys}"
        return dict(pairs)

    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=refuse_duplicates)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(load_json(INTEGRATION / "manifest.json"))


@pytest.fixture(scope="module")
def hacs() -> dict[str, Any]:
    return dict(load_json(ROOT / "hacs.json"))


def python_project() -> dict[str, Any]:
    """pyproject.toml's ``[project]`` table."""
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"])


def pinned_home_assistant() -> str:
    """The Home Assistant version the test extra pins (pyproject.toml)."""
    extras = python_project()["optional-dependencies"]["test"]
    pins = [Requirement(r) for r in extras if Requirement(r).name == "homeassistant"]
    assert len(pins) == 1, extras
    (spec,) = pins[0].specifier
    assert spec.operator == "==", pins[0]
    return spec.version


def home_assistant_constraints() -> dict[str, Requirement]:
    """Home Assistant's own pins, from the installed package's package_constraints.txt."""
    path = Path(homeassistant.__file__).parent / "package_constraints.txt"
    pins: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[requirement.name.lower().replace("_", "-")] = requirement
    return pins


# --- hacs.json ----------------------------------------------------------------------------

def test_hacs_json_has_a_name_and_only_known_keys(hacs: dict[str, Any]) -> None:
    assert isinstance(hacs.get("name"), str)
    assert hacs["name"]
    assert set(hacs) <= HACS_JSON_KEYS, set(hacs) - HACS_JSON_KEYS
    for key in HACS_JSON_BOOLEANS & set(hacs):
        assert isinstance(hacs[key], bool), key
    assert hacs.get("render_readme") is True
    assert "content_in_root" not in hacs  # the integration lives under custom_components/


def test_hacs_minimum_home_assistant_is_the_tested_one(hacs: dict[str, Any]) -> None:
    minimum = AwesomeVersion(hacs["homeassistant"])
    assert minimum.valid
    assert minimum.strategy == AwesomeVersionStrategy.CALVER
    assert hacs["homeassistant"] == pinned_home_assistant() == HA_VERSION


def test_readme_tells_how_to_install_through_hacs() -> None:
    """HACS renders the README (render_readme) as the integration's page."""
    readme = (ROOT / "README.md").read_text()
    assert "HACS" in readme
    assert "https://github.com/home-type/home-type" in readme


RAW_BASE = "https://raw.githubusercontent.com/home-type/home-type/main/"


def test_readme_images_show_in_hacs() -> None:
    """HACS renders the README inside Home Assistant, where a relative image path resolves
    against Home Assistant's own address: images must be absolute, and exist in the repository.
    """
    readme = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)
    assert images
    for image in images:
        if image.startswith(MY_HOME_ASSISTANT):  # a button's badge, checked below
            continue
        assert image.startswith(RAW_BASE), image
        assert (ROOT / image.removeprefix(RAW_BASE)).is_file(), image


BLOB_BASE = "https://github.com/home-type/home-type/blob/main/"


def test_readme_links_work_in_hacs() -> None:
    """Links resolve there against Home Assistant's address too: a link to docs/model.md led
    nowhere. Every link to a file of the project is absolute, to a file that exists (links
    within the page, to a heading, stay as they are)."""
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)", readme)
    assert any(link.startswith(BLOB_BASE) for link in links)
    for link in links:
        assert link.startswith(("https://", "#")), link
        if link.startswith(BLOB_BASE):
            assert (ROOT / link.removeprefix(BLOB_BASE).partition("#")[0]).is_file(), link


MY_HOME_ASSISTANT = "https://my.home-assistant.io/"
#: ``[![text](badge)](redirect)``: a My Home Assistant button.
_BUTTON = re.compile(rf"\[!\[[^\]]+\]\(({re.escape(MY_HOME_ASSISTANT)}badges/[^)\s]+)\)\]"
                     rf"\(({re.escape(MY_HOME_ASSISTANT)}redirect/[^)\s]+)\)")


@pytest.mark.parametrize("document", ["README.md", "docs/integration.md"])
def test_my_home_assistant_buttons_lead_here(manifest: dict[str, Any], document: str) -> None:
    """Each button opens what its text promises for this project: this repository in HACS,
    this integration's config flow, this blueprint's import -- a renamed repository, domain or
    blueprint that left a button behind would send users elsewhere."""
    text = (ROOT / document).read_text()
    buttons = _BUTTON.findall(text)
    assert len(buttons) == text.count(MY_HOME_ASSISTANT + "redirect/")  # every one is read
    blueprint = (ROOT / "blueprints/automation/home_type/home_type_changed.yaml").read_text()
    source_url = re.search(r"^\s*source_url:\s*(\S+)$", blueprint, re.MULTILINE)
    assert source_url
    owner, repository = urlparse(manifest["documentation"]).path.strip("/").split("/")
    expected = {
        "hacs_repository": {"owner": [owner], "repository": [repository],
                            "category": ["integration"]},
        "config_flow_start": {"domain": [manifest["domain"]]},
        "blueprint_import": {"blueprint_url": [source_url.group(1)]},
    }
    seen = set()
    for badge, redirect in buttons:
        address = urlparse(redirect)
        name = address.path.removeprefix("/redirect/").strip("/")
        assert badge == f"{MY_HOME_ASSISTANT}badges/{name}.svg", redirect
        assert parse_qs(address.query) == expected[name], redirect
        seen.add(name)
    assert seen == ({"hacs_repository", "config_flow_start", "blueprint_import"}
                    if document == "README.md" else {"blueprint_import"})


# --- manifest.json ------------------------------------------------------------------------

def test_manifest_keys_are_known_and_complete(manifest: dict[str, Any]) -> None:
    assert set(manifest) <= MANIFEST_KEYS, set(manifest) - MANIFEST_KEYS
    assert set(manifest) >= MANIFEST_REQUIRED, MANIFEST_REQUIRED - set(manifest)


def test_manifest_keys_are_in_hassfest_order(manifest: dict[str, Any]) -> None:
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_domain_is_the_folder(manifest: dict[str, Any]) -> None:
    assert manifest["domain"] == INTEGRATION.name
    assert re.fullmatch(r"[a-z0-9_]+", manifest["domain"])


def test_manifest_values(manifest: dict[str, Any]) -> None:
    version = AwesomeVersion(manifest["version"], ensure_strategy=VERSION_STRATEGIES)
    assert version.strategy == AwesomeVersionStrategy.SEMVER, manifest["version"]
    for key in ("documentation", "issue_tracker"):
        url = urlparse(manifest[key])
        assert url.scheme == "https", key
        assert url.netloc, key
    # Current hassfest refuses home-assistant.io documentation links for custom integrations.
    assert urlparse(manifest["documentation"]).netloc != "www.home-assistant.io"
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert manifest["config_flow"] is True
    assert "recorder" in manifest["dependencies"]
    assert manifest["codeowners"]
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert isinstance(manifest["requirements"], list)


def test_version_matches_the_python_project(manifest: dict[str, Any]) -> None:
    assert manifest["version"] == python_project()["version"]


def test_requirements_install_on_home_assistant_os(manifest: dict[str, Any]) -> None:
    """Each requirement has musllinux wheels and fits Home Assistant's own pins."""
    pins = home_assistant_constraints()
    assert "numpy" in pins  # what the integration runs on: Home Assistant pins it
    for line in manifest["requirements"]:
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in MUSLLINUX_WHEELS_CHECKED, (
            f"{line}: check that PyPI has musllinux x86_64 and aarch64 wheels of it, then "
            "add it to MUSLLINUX_WHEELS_CHECKED")
        if (pin := pins.get(name)) is not None:
            (spec,) = pin.specifier
            assert requirement.specifier.contains(spec.version, prereleases=True), (
                f"{line} conflicts with Home Assistant's {pin}")


def test_dependencies_exist_in_home_assistant(manifest: dict[str, Any]) -> None:
    components = Path(homeassistant.__file__).parent / "components"
    for domain in manifest.get("dependencies", []) + manifest.get("after_dependencies", []):
        assert (components / domain / "manifest.json").exists(), domain


# --- what ships ---------------------------------------------------------------------------

def test_one_integration_under_custom_components() -> None:
    folders = [p.name for p in (ROOT / "custom_components").iterdir()
               if p.is_dir() and p.name != "__pycache__"]
    assert folders == [INTEGRATION.name]


def test_home_assistant_files_are_inside_the_integration() -> None:
    for name in ("__init__.py", "manifest.json", "translations/en.json", "services.yaml",
                 "icons.json", "quality_scale.yaml"):
        assert (INTEGRATION / name).is_file(), name
    for translation in (INTEGRATION / "translations").glob("*.json"):
        load_json(translation)  # a key twice would hide one of the texts
    load_json(INTEGRATION / "icons.json")
    assert isinstance(yaml.safe_load((INTEGRATION / "services.yaml").read_text()), dict)
    models = sorted((INTEGRATION / "models").glob("*.pkl"))
    assert models
    for model in models:
        assert model.with_name(model.name + ".sha256").is_file(), model
        load_model(model)  # hash, allow-list, versions: as Home Assistant loads it


#: The names Home Assistant 2026.3+ serves from a custom integration's brand/ folder.
BRAND_NAMES = {f"{dark}{kind}{hidpi}.png" for dark in ("", "dark_") for kind in ("icon", "logo")
               for hidpi in ("", "@2x")}


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    assert data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_brand_images() -> None:
    """brand/: the images Home Assistant 2026.3+ shows, at the sizes the brands rules ask.

    An icon is square, 256 px (512 px at 2x); a logo's shortest side is 128-256 px
    (256-512 px at 2x). A misspelt name would silently show nothing, so only known names.
    """
    images = {path.name: _png_size(path) for path in (INTEGRATION / "brand").iterdir()}
    assert set(images) <= BRAND_NAMES
    assert {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} <= set(images)
    for name, (width, height) in images.items():
        scale = 2 if "@2x" in name else 1
        if "icon" in name:
            assert (width, height) == (256 * scale, 256 * scale), name
        else:
            assert 128 * scale <= min(width, height) <= 256 * scale, name


#: Home Assistant and packages that its releases from 2025.4.4 to 2026.11.0 all depend on
#: themselves (their packages' Requires-Dist; 2026.11 keeps voluptuous as an alias of its
#: successor, probatio). Not numpy: 2026 releases dropped it, so the manifest requires it.
PROVIDED_BY_HOME_ASSISTANT = {"homeassistant", "sqlalchemy", "voluptuous", "aiohttp", "orjson"}


def _outside_imports(folder: Path) -> Iterator[tuple[Path, str]]:
    """Each import of the folder's modules from outside the folder, but the standard library's.

    A relative import that climbs out of the folder (``from ..coordinator import …`` in
    core/) is one too, named by where it lands (``custom_components.home_type.coordinator``).
    """
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                package = path.parents[node.level - 1]
                if package == folder or folder in package.parents:
                    continue
                names = [".".join((*package.relative_to(ROOT).parts,
                                   *([node.module] if node.module else [])))]
            else:
                continue
            for name in names:
                if name.split(".")[0] not in sys.stdlib_module_names:
                    yield path, name


def _in_home_assistant(manifest: dict[str, Any]) -> set[str]:
    """What the integration finds installed: Home Assistant's own packages and its requirements."""
    return PROVIDED_BY_HOME_ASSISTANT | {
        Requirement(line).name.lower() for line in manifest["requirements"]}


def test_integration_imports_nothing_outside_itself(manifest: dict[str, Any]) -> None:
    """HACS copies only custom_components/home_type: the trainer and devtools stay behind, and
    any other package it imports is Home Assistant's own or one of its requirements."""
    allowed = _in_home_assistant(manifest)
    for path, name in _outside_imports(INTEGRATION):
        assert name.split(".")[0] in allowed, f"{path}: imports {name}"


def test_core_imports_what_home_assistant_and_the_trainer_image_both_have(
        manifest: dict[str, Any]) -> None:
    """core/ runs inside Home Assistant and in the trainer's image, which has no Home
    Assistant: a package it imports must come with both (a dependency of the project, and Home
    Assistant's own or a requirement of the manifest)."""
    in_image = {Requirement(line).name.lower() for line in python_project()["dependencies"]}
    allowed = _in_home_assistant(manifest) & in_image
    for path, name in _outside_imports(INTEGRATION / "core"):
        assert name.split(".")[0] in allowed, f"{path}: imports {name}"


def test_the_project_pins_what_home_assistant_pins() -> None:
    """A dependency Home Assistant pins exactly is pinned to the same version, so the trainer
    reads and writes home files with the libraries the integration runs on."""
    pins = home_assistant_constraints()
    checked = []
    for line in python_project()["dependencies"]:
        requirement = Requirement(line)
        pin = pins.get(requirement.name.lower().replace("_", "-"))
        if pin is not None and [spec.operator for spec in pin.specifier] == ["=="]:
            assert str(requirement.specifier) == str(pin.specifier), (
                f"{line}: Home Assistant {pinned_home_assistant()} pins {pin}")
            checked.append(requirement.name)
    assert {"numpy", "orjson"} <= set(checked)


def test_the_scripts_install_with_the_uv_home_assistant_pins() -> None:
    """scripts/_venv.sh installs uv with pip before the project (which brings Home Assistant's
    own uv): the two are one release, or each install of the project would replace it."""
    assert f"uv=={scripts_uv_version()}" == str(home_assistant_constraints()["uv"])


def test_github_runs_hassfest_and_hacs_validation() -> None:
    """The validators that cannot run in scripts/test (they need GitHub) run there."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/validate.yaml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = {step["uses"].split("@")[0]: step.get("with", {}) for step in steps}
    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"] == {"category": "integration"}  # nothing ignored
    assert {"push", "pull_request"} <= set(workflow[True])  # YAML 1.1 reads "on" as True


def test_the_example_model_path_is_where_publish_puts_it() -> None:
    """The forms and repair issues suggested home_type/home_type_classifier.pkl, while
    docker-compose mounts the folder publish writes to as home_type_models: a user who
    published as the README says and typed the suggested path got "no model file there"."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = [volume for service in compose["services"].values()
              for volume in service.get("volumes", []) if isinstance(volume, str)]
    from trainer.model_commands import DEFAULT_PUBLISH_DIR

    folder = next(volume.split(":")[1] for volume in mounts
                  if Path(volume.split(":")[0]) == DEFAULT_PUBLISH_DIR)
    assert folder.startswith("/config/")
    expected = f"{folder.removeprefix('/config/')}/home_type_classifier.pkl"
    for translation in sorted((INTEGRATION / "translations").glob("*.json")):
        examples = re.findall(r"[\w/]+/home_type_classifier\.pkl", translation.read_text())
        assert examples and set(examples) == {expected}, (translation.name, set(examples))
