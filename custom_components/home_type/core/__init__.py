"""Home Type's core: the home snapshot format, activity summary, features and model predictor.

Nothing here imports Home Assistant. The trainer imports this package to build training data and
the integration imports it to classify the live home, so features are computed by one piece of
code on both sides -- train/serve skew cannot creep in through a second implementation.
Only numpy, orjson and the standard library are used: a Home Assistant OS install has them (orjson
is Home Assistant's own JSON library), and so has the trainer's image (the project's dependencies).
"""
