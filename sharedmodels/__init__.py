"""sharedmodels: the off-chain side of machine-learning models that live in Ethereum contracts.

Layers, bottom to top; a module imports only from its own layer or below
(``tests/unit/test_layers.py``):

- ``units``, ``errors``, ``registry`` — wei and seconds; the one base of user-fixable failures;
  the model list as data (read by the contract generator and at run time).
- ``encoding``   — text and numbers into contract inputs: features, datasets, encoded slices.
- ``mirrors``    — the float and integer reference models each contract equals exactly.
- ``rpc``        — locally signed, pipelined transactions; deployment manifests.
- ``trainers``   — the collaborative trainers: model kinds, deploy, history and claims, status,
  journal, sponsored submissions, parity.
- ``market``     — the prediction market: commitments and reward rule, driver, creation, demo.
- ``simulation`` — the articles' incentive simulations: presets, runs, outputs.
- ``runs``       — what the scripts run end to end: demo, models table, benchmark comparison.
- ``cli``, ``codegen`` — the scripts' shared options and one-line errors; the contract generator.
"""

__version__ = "0.1.0"
