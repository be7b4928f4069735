"""Home Type's core: the home snapshot format, activity summary, features and model predictor.

Nothing here imports Home Assistant. The trainer imports this package to build training data and
the integration imports it to classify the live home, so features are computed by one piece of
code on both sides -- train/serve skew cannot creep in through a second implementation.
Only numpy and the standard library are used: they are all a Home Assistant OS install has.
"""
