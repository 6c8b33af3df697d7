"""Talking to a node: locally signed, pipelined transactions, ABI helpers, deployment manifests."""
