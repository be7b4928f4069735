"""Synthetic home generators: designs (procedural or LLM) and the simulator that animates them."""
