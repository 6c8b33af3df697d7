"""The collaborative trainers from Python: model kinds, deployment, history and claims,
status, the journal, sponsored submissions, parity with the mirrors."""
