"""The model bounty: integer mirrors and quantisation of its model kinds, its rules
(commitments, draw, settlement) in Python, the contract driver, and its demo."""
