"""``python -m trainer``: the trainer's command line."""

from trainer.cli import main

main()
