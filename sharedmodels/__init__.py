"""sharedmodels: off-chain side of machine-learning models that live in Ethereum contracts.

Modules:
- ``features``  — text → sorted unique feature indices, the on-chain input encoding.
- ``datasets``  — dataset specs (``rt``, ``imdb:PATH``, ``csv:PATH``) and their loaders.
- ``reference`` — the scikit-learn Perceptron the on-chain model reproduces bit for bit,
                  plus the exact integer mirror of the contract's arithmetic.
- ``chain``     — deployment manifests and the glue between scripts and contracts.
"""

__version__ = "0.1.0"
