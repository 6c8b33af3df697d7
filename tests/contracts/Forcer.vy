# pragma version 0.4.3
"""
@title Pushes its value into `target` with SELFDESTRUCT, which no contract can refuse (tests only)
"""

@deploy
@payable
def __init__(target: address):
    selfdestruct(target)
