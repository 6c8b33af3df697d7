"""Units of money and time, defined once."""

#: Wei per ether.
ETH = 10**18
#: Seconds.
HOUR = 3600
DAY = 86_400


def ether(wei: int) -> str:
    """Wei as ETH, 6 decimals."""
    return f"{wei / ETH:.6f} ETH"
