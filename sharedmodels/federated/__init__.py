"""Federated learning on chain: the integer mirror of ``FederatedTask.vy`` (``rules``), the
local client (``client``), the chain driver (``driver``) and the demo (``demo``)."""
