"""The prediction market: commitments and the reward rule in Python, the contract driver,
creating a market and its demo."""
