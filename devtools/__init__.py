"""Developer tools: a real Home Assistant with a synthetic home in it. Not shipped with Home Type.

- ``home_fixture/``: a development-only custom integration that loads a home file into Home
  Assistant's registries and recorder; its ``load_home`` module is also what the integration
  tests load homes with (one loader).
- ``instance``: start, onboard, drive over HTTP and stop a real ``hass`` process (used by
  ``scripts/develop`` and by ``tests/instance``).
- ``develop``: the command behind ``scripts/develop``.
"""
