# pragma version 0.4.3
"""
@title Sends two calls to one contract in one transaction (tests only): what a wallet or a
       multicall may do. Transient storage written by the first is still there in the second.
"""

@external
def both(target: address, first: Bytes[8192], second: Bytes[8192]):
    raw_call(target, first)
    raw_call(target, second)
