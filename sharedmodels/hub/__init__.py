"""The model hub: the registry's kinds and checks, test-set commitments, the pool's rule and
its Python mirror, and the driver the ``ape run hub`` commands and the demo use."""
