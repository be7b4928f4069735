"""Every text the integration can show exists in translations/en.json, written out in full,
and every other language says the same things: the same keys, the same placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, selector
from homeassistant.helpers.translation import async_get_translations

from custom_components.home_type import coordinator
from custom_components.home_type.const import DOMAIN
from custom_components.home_type.core.model import (
    ModelError,
    ModelForeignError,
    ModelIncompatibleError,
    ModelMissingError,
    ModelTamperedError,
)
from custom_components.home_type.core.snapshot import HOME_TYPES
from custom_components.home_type.helpers import ModelOutsideConfigError

INTEGRATION = Path(coordinator.__file__).parent
STRINGS = json.loads((INTEGRATION / "translations" / "en.json").read_text())
TRANSLATIONS = {path.stem: json.loads(path.read_text(encoding="utf-8"))
                for path in sorted((INTEGRATION / "translations").glob("*.json"))}
MODEL_REASONS = {error.reason for error in (ModelError, ModelMissingError, ModelTamperedError,
                                            ModelForeignError, ModelIncompatibleError,
                                            ModelOutsideConfigError)}
EXPORT_FILENAME_REASONS = ("not_plain", "suffix", "too_long")


def test_home_types_have_names() -> None:
    """The sensor's states, one translated name per label."""
    states = STRINGS["entity"]["sensor"]["home_type"]["state"]
    assert set(states) == set(HOME_TYPES)
    assert all(states.values())


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_export_label_choices_are_the_states(language: str) -> None:
    """The export's ``home_type`` list offers every label, each named as the sensor names it."""
    actions = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    select = actions["export_snapshot"]["fields"]["home_type"]["selector"]["select"]
    assert tuple(select["options"]) == HOME_TYPES
    strings = TRANSLATIONS[language]
    assert (strings["selector"][select["translation_key"]]["options"]
            == strings["entity"]["sensor"]["home_type"]["state"])


def test_exceptions_are_translated() -> None:
    """Each translation_key raised in the code, each model reason and each reason the export
    refuses a file name for, has a message. Every module is read, so a new one is too."""
    sources = "".join(path.read_text() for path in sorted(INTEGRATION.rglob("*.py")))
    keys = set(re.findall(r'translation_domain=DOMAIN,\s+translation_key="(\w+)"', sources))
    assert {"recorder_error", "classify_failed", "entry_not_found"} <= keys  # the scan works
    keys |= {f"model_{reason}" for reason in MODEL_REASONS}
    filename_reasons = set(re.findall(r'ExportFilenameError\("(\w+)"\)', sources))
    assert filename_reasons == set(EXPORT_FILENAME_REASONS)
    keys |= {f"export_filename_{reason}" for reason in filename_reasons}
    assert keys <= set(STRINGS["exceptions"])


def test_issues_are_translated() -> None:
    """A repair issue for every model reason: a title, and a text with the file and the fix."""
    issues = STRINGS["issues"]
    assert set(issues) == {f"model_{reason}" for reason in MODEL_REASONS}
    for key, issue in issues.items():
        assert issue["title"]
        assert "{model}" in issue["description"], key
        assert "{error}" in issue["description"] or key == "model_outside_config", key


def test_actions_are_described() -> None:
    """Each action in services.yaml has a name, a description and every field's text."""
    actions = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    assert set(actions) == set(STRINGS["services"])
    for action, spec in actions.items():
        text = STRINGS["services"][action]
        assert text["name"] and text["description"]
        assert set(spec["fields"]) == set(text["fields"]), action
        assert all(field["name"] and field["description"] for field in text["fields"].values())
        for field in spec["fields"].values():  # as hassfest checks them
            selector.validate_selector(field["selector"])


def test_flow_errors_are_translated() -> None:
    """The config and options forms can show every error the validation returns."""
    # The forms check the path before loading: outside the folder is their own "outside_config".
    errors = {"outside_config"} | {f"model_{reason}"
                                   for reason in MODEL_REASONS - {"outside_config"}}
    assert errors <= set(STRINGS["config"]["error"])
    assert STRINGS["options"]["error"] == STRINGS["config"]["error"]
    for step in (STRINGS["config"]["step"]["user"], STRINGS["options"]["step"]["init"]):
        assert set(step["data"]) == set(step["data_description"]) == {"history_days",
                                                                      "model_path"}


def _quoted_part(message: str) -> str:
    """The part of a message a page can quote: its first stretch of 12 characters or more
    between placeholders, colons, brackets and sentence ends."""
    parts = (part.strip(' .:,"()') for part in re.split(r"\{[a-z_]+\}|: | \(|\)|\. ", message))
    return next(part for part in parts if len(part) >= 12)


def test_troubleshooting_names_every_message() -> None:
    """docs/troubleshooting.md says it lists every repair issue and every error of the actions
    and the forms: each is quoted there, so one added without its page entry is noticed."""
    page = re.sub(r"\s*\n\s*", " ", (INTEGRATION.parents[1] / "docs/troubleshooting.md")
                  .read_text())
    messages = [*STRINGS["config"]["error"].values(),
                *(text["message"] for text in STRINGS["exceptions"].values()),
                *(issue["title"] for issue in STRINGS["issues"].values())]
    assert len(messages) == 31
    for message in messages:
        assert _quoted_part(message) in page, message


def test_no_references() -> None:
    """Custom integrations read only literal text: no [%key:...%] references, in any language."""
    assert len(TRANSLATIONS) > 1
    for language, translation in TRANSLATIONS.items():
        assert "[%key:" not in json.dumps(translation, ensure_ascii=False), language


def _leaves(node: object, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Each text by its key path, so two languages can be compared key by key."""
    if isinstance(node, dict):
        return {leaf: text for key, value in node.items()
                for leaf, text in _leaves(value, (*path, key)).items()}
    assert isinstance(node, str), path
    return {path: node}


def test_no_html() -> None:
    """hassfest refuses a text with anything like an HTML tag (say ``<date>``) in it."""
    strings = list(_leaves(STRINGS).values())
    assert len(strings) > 50
    for text in strings:
        cv.string_with_no_html(text)


def test_languages_shipped() -> None:
    """The languages the README promises; a file added without its tests is noticed."""
    assert set(TRANSLATIONS) == {"en", "de", "es", "fr", "it", "nl", "sv"}


@pytest.mark.parametrize("language", sorted(set(TRANSLATIONS) - {"en"}))
def test_language_says_what_english_says(language: str) -> None:
    """Same keys as English (Home Assistant shows the English text for a missing one, and
    ignores an extra one), the same placeholders in each, no HTML, nothing left in English."""
    english, other = _leaves(STRINGS), _leaves(TRANSLATIONS[language])
    assert set(other) == set(english)
    for path, text in other.items():
        assert sorted(re.findall(r"{\w+}", text)) == sorted(re.findall(r"{\w+}", english[path])), (
            path)
        assert text.count("`") == english[path].count("`"), path
        cv.string_with_no_html(text)
    translated = [path for path, text in other.items() if text != english[path]]
    # Only names that stay the same in the language (Studio, Cottage...) may equal English.
    assert len(translated) > 0.95 * len(english)


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_repairs_name_the_option_as_the_form_does(language: str) -> None:
    """A repair that says "change *Model file*" uses the label the options form shows."""
    strings = TRANSLATIONS[language]
    label = strings["options"]["step"]["init"]["data"]["model_path"]
    assert strings["config"]["step"]["user"]["data"]["model_path"] == label
    english_label = STRINGS["options"]["step"]["init"]["data"]["model_path"]
    for key, issue in strings["issues"].items():
        mentions = STRINGS["issues"][key]["description"].count(f"*{english_label}*")
        assert issue["description"].count(f"*{label}*") == mentions, key


@pytest.mark.parametrize(("language", "townhouse", "reload_model"), [
    ("en", "Townhouse", "Reload model"),
    ("de", "Reihenhaus", "Modell neu laden"),
    ("es", "Casa adosada", "Recargar el modelo"),
    ("fr", "Maison mitoyenne", "Recharger le modèle"),
    ("it", "Villetta a schiera", "Ricarica il modello"),
    ("nl", "Rijtjeshuis", "Model opnieuw laden"),
    ("sv", "Radhus", "Ladda om modellen"),
])
async def test_home_assistant_reads_the_language(
    hass: HomeAssistant, language: str, townhouse: str, reload_model: str
) -> None:
    """Home Assistant's own loader finds each file where it looks for a custom integration's
    texts, and shows the sensor's state and the action in that language."""
    prefix = f"component.{DOMAIN}"
    entity = await async_get_translations(hass, language, "entity", {DOMAIN})
    assert entity[f"{prefix}.entity.sensor.home_type.state.townhouse"] == townhouse
    actions = await async_get_translations(hass, language, "services", {DOMAIN})
    assert actions[f"{prefix}.services.reload_model.name"] == reload_model
    choices = await async_get_translations(hass, language, "selector", {DOMAIN})
    assert choices[f"{prefix}.selector.home_type.options.townhouse"] == townhouse
