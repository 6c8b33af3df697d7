# pragma version 0.4.3
"""
@title Points (gamified, no money)
@license MIT
@notice Contributions are free. After `refund_wait` each contribution is validated once:
        by its contributor when the model agrees with its label (one point), or by anyone
        else when the model disagrees (it is marked bad; the reporter earns nothing).
        Points, a top-10 leaderboard and badges at 1, 10, 100 and 1,000 points are on-chain.
"""

from ..data import data_handler as data

uses: data

# ---------------------------------------------------------------- EVENTS

event PointEarned:
    id: indexed(uint256)
    player: indexed(address)
    points: uint256

event ContributionRejected:
    id: indexed(uint256)
    reporter: indexed(address)

event BadgeEarned:
    player: indexed(address)
    points: uint256

# ---------------------------------------------------------------- STRUCTS

struct Leader:
    player: address
    points: uint256

# ---------------------------------------------------------------- CONSTANTS

LEADERBOARD_SIZE: constant(uint256) = 10

# ---------------------------------------------------------------- STORAGE

# @dev Seconds after a contribution before it can be validated.
refund_wait: public(immutable(uint256))
# @dev Points per address.
points: public(HashMap[address, uint256])
# @dev Contributions validated good, and marked bad.
good_count: public(uint256)
bad_count: public(uint256)
# @dev The top scorers, best first; ties keep whoever got there first.
_leaders: DynArray[address, LEADERBOARD_SIZE]

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__(refund_wait_: uint256):
    assert refund_wait_ < 2**64, "points: wait too long"
    refund_wait = refund_wait_

# ---------------------------------------------------------------- VIEW

@external
@view
def leaderboard() -> DynArray[Leader, LEADERBOARD_SIZE]:
    """
    @notice The top scorers and their points, best first.
    """
    out: DynArray[Leader, LEADERBOARD_SIZE] = []
    for player: address in self._leaders:
        out.append(Leader(player=player, points=self.points[player]))
    return out

# ---------------------------------------------------------------- INTERNAL

@internal
@payable
def _accept() -> uint256:
    """
    @dev Step 1 of addData: free, so nothing may be sent.
    """
    assert msg.value == 0, "addData: contributions are free"
    return 0


@internal
def _validate(c: data.Contribution, word: uint256, prediction: uint8) -> uint256:
    assert msg.sender == c.contributor, "refund: not the contributor"
    self._check_open(word, c.time, "refund: already validated", "refund: too early")
    assert prediction == c.label, "refund: model disagrees"
    data._settle(c.id, word, 0, data.GOOD)
    self.good_count += 1
    earned: uint256 = self.points[msg.sender] + 1
    self.points[msg.sender] = earned
    log PointEarned(id=c.id, player=msg.sender, points=earned)
    if earned == 1 or earned == 10 or earned == 100 or earned == 1000:
        log BadgeEarned(player=msg.sender, points=earned)
    self._climb(msg.sender, earned)
    return earned


@internal
def _report(c: data.Contribution, word: uint256, prediction: uint8):
    assert msg.sender != c.contributor, "report: own contribution"
    self._check_open(word, c.time, "report: already validated", "report: too early")
    assert prediction != c.label, "report: model agrees"
    data._settle(c.id, word, 0, data.BAD)
    self.bad_count += 1
    log ContributionRejected(id=c.id, reporter=msg.sender)


@internal
@view
def _check_open(word: uint256, time: uint256, done: String[32], early: String[32]):
    assert not (data._is_good(word) or data._is_bad(word)), done
    assert block.timestamp >= time + refund_wait, early


@internal
def _climb(player: address, score: uint256):
    """
    @dev Move `player`, now at `score` points, up the leaderboard: enter it if it has room or
         if `score` beats the last entry, then pass everyone with fewer points.
    """
    board: DynArray[address, LEADERBOARD_SIZE] = self._leaders
    n: uint256 = len(board)
    pos: uint256 = n
    for i: uint256 in range(n, bound=LEADERBOARD_SIZE):
        if board[i] == player:
            pos = i
            break
    if pos == n:
        if n < LEADERBOARD_SIZE:
            board.append(player)
        elif score > self.points[board[n - 1]]:
            pos = n - 1
            board[pos] = player
        else:
            return
    for _: uint256 in range(LEADERBOARD_SIZE):
        if pos == 0 or score <= self.points[board[pos - 1]]:
            break
        board[pos] = board[pos - 1]
        board[pos - 1] = player
        pos -= 1
    self._leaders = board
