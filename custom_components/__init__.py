"""Custom integrations of this repository (Home Assistant and HACS use only ``home_type/``).

A regular package, so that ``custom_components.__path__`` is a plain list of folders: Home
Assistant's loader lists the integrations in each entry, and the editable install's namespace
path hook is not a folder (pytest-homeassistant-custom-component documents the same need).
"""
