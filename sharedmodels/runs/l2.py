"""What one transaction costs on an L2: its data as the OP Stack and Arbitrum fee rules count it.

On a rollup a transaction pays its L2 execution (gas used x the L2 gas price) plus a share of
posting its bytes to L1, which each rollup estimates from the signed transaction:

- OP Stack (Fjord and later): the FastLZ-compressed size of the signed transaction, turned into
  an estimated size ``max(100, -42.5856 + 0.8365 x fastlz)`` bytes, priced at
  ``16 x base_fee_scalar x l1_base_fee + blob_fee_scalar x blob_base_fee`` per byte (the
  scalars in millionths).
- Arbitrum: the Brotli-compressed size of the signed transaction, 16 L1 gas units per byte, at
  the L1 price per unit the sequencer last saw (about the L1 base fee).

:func:`fastlz_len` is the length FastLZ level 1 compression (the variant the OP Stack's fee
rules run) gives, written here from the algorithm: a hash table of the last position of each
3-byte sequence, a match when the same 3 bytes were seen at most 8,191 bytes back, literal runs
of at most 32 bytes, matches coded in 2 bytes up to 8 long and 3 bytes beyond (262 per piece).
The prices are stated in :data:`PRICES` and printed with every table.
"""

from __future__ import annotations

from dataclasses import dataclass

GWEI = 10**9


@dataclass(kw_only=True, frozen=True)
class Prices:
    """The prices the L2 columns assume (wei per gas, scalars in millionths)."""

    l1_gas_price: int = 5 * GWEI  # an L1 transaction's gas price, for the L1 column
    l1_base_fee: int = 5 * GWEI
    blob_base_fee: int = 1 * GWEI
    op_base_fee_scalar: int = 5_227  # OP Mainnet's, 2025
    op_blob_fee_scalar: int = 1_014_213
    op_l2_gas_price: int = 5 * GWEI // 1000  # 0.005 gwei
    arb_l2_gas_price: int = 10 * GWEI // 1000  # 0.01 gwei
    arb_l1_price_per_unit: int = 5 * GWEI

    def describe(self) -> str:
        g = GWEI
        return (
            f"L1 gas price {self.l1_gas_price / g:g} gwei; OP Stack: L1 base fee "
            f"{self.l1_base_fee / g:g} gwei, blob base fee {self.blob_base_fee / g:g} gwei, "
            f"scalars {self.op_base_fee_scalar:,} / {self.op_blob_fee_scalar:,} (millionths), "
            f"L2 gas {self.op_l2_gas_price / g:g} gwei; Arbitrum: L1 price "
            f"{self.arb_l1_price_per_unit / g:g} gwei per unit (16 units a compressed byte), "
            f"L2 gas {self.arb_l2_gas_price / g:g} gwei"
        )


PRICES = Prices()

_HASH_SIZE = 1 << 13
_MAX_DISTANCE = 8191


def _u24(data: bytes, i: int) -> int:
    return data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)


def _slot(seq: int) -> int:
    return ((2654435769 * seq) >> 19) & (_HASH_SIZE - 1)


def _literal_cost(run: int) -> int:
    """Bytes of a literal run: one control byte per 32 literals, then the literals."""
    cost = 33 * (run // 32)
    rest = run % 32
    return cost + (rest + 1 if rest else 0)


def _match_cost(length: int) -> int:
    """Bytes of a match whose ``length`` counts past its first 3 bytes, less one (the coding
    of FastLZ level 1: 262 per full piece at 3 bytes each, then 2 or 3 for the rest)."""
    length -= 1
    cost = 3 * (length // 262)
    return cost + (3 if length % 262 >= 6 else 2)


def fastlz_len(data: bytes) -> int:
    """The length of ``data`` compressed by FastLZ level 1, as the OP Stack's fee rules count."""
    n = len(data)
    table = [0] * _HASH_SIZE
    limit = n - 13 if n >= 13 else 0
    size = 0
    anchor = 0
    i = 2
    while i < limit:
        # Look for an earlier occurrence of the 3 bytes at i within reach.
        while True:
            seq = _u24(data, i)
            h = _slot(seq)
            ref = table[h]
            table[h] = i
            distance = i - ref
            if i >= limit:
                break
            i += 1
            if distance <= _MAX_DISTANCE and seq == _u24(data, ref):
                break
        if i >= limit:
            break
        i -= 1
        if i > anchor:
            size += _literal_cost(i - anchor)
        # Extend the match past its 3 bytes; the count includes the first differing byte.
        p, q, end = ref + 3, i + 3, limit + 9
        length = 0
        while length < end - q:
            same = data[p + length] == data[q + length]
            length += 1
            if not same:
                break
        size += _match_cost(length)
        i += length
        for _ in range(2):
            table[_slot(_u24(data, i))] = i
            i += 1
        anchor = i
    return size + _literal_cost(n - anchor)


def brotli_len(data: bytes) -> int:
    """The Brotli-compressed length (quality 1, the level Arbitrum's fee estimate uses)."""
    import brotli

    return len(brotli.compress(bytes(data), quality=1))


def op_estimated_size(fastlz: int) -> float:
    """The OP Stack's estimated L1 bytes of a transaction whose FastLZ size is ``fastlz``."""
    return max(100_000_000, 836_500 * fastlz - 42_585_600) / 1_000_000


def op_l1_fee(fastlz: int, p: Prices = PRICES) -> int:
    scaled = 16 * p.op_base_fee_scalar * p.l1_base_fee + p.op_blob_fee_scalar * p.blob_base_fee
    return max(100_000_000, 836_500 * fastlz - 42_585_600) * scaled // 10**12


def arbitrum_l1_fee(brotli_size: int, p: Prices = PRICES) -> int:
    return 16 * brotli_size * p.arb_l1_price_per_unit


def costs(raw_tx: bytes, calldata: bytes, gas_used: int, p: Prices = PRICES) -> dict:
    """The L2 columns of one transaction: sizes, and each fee in wei."""
    flz, br = fastlz_len(raw_tx), brotli_len(raw_tx)
    return {
        "calldata_bytes": len(calldata),
        "tx_bytes": len(raw_tx),
        "fastlz_bytes": flz,
        "brotli_bytes": br,
        "l1_fee": gas_used * p.l1_gas_price,
        "op_fee": gas_used * p.op_l2_gas_price + op_l1_fee(flz, p),
        "arbitrum_fee": gas_used * p.arb_l2_gas_price + arbitrum_l1_fee(br, p),
    }


def l2_table(rows: dict, p: Prices = PRICES) -> str:
    """Markdown: one row per measured operation (``rows``: name -> :func:`costs` dict)."""

    def eth(wei: int) -> str:
        return f"{wei / 10**18:.2e}"

    lines = [
        "| operation | calldata bytes | signed tx bytes | FastLZ bytes | Brotli bytes | "
        "L1 fee (ETH) | OP Stack fee (ETH) | Arbitrum fee (ETH) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in rows.items():
        lines.append(
            f"| {name} | {c['calldata_bytes']:,} | {c['tx_bytes']:,} | {c['fastlz_bytes']:,} | "
            f"{c['brotli_bytes']:,} | {eth(c['l1_fee'])} | {eth(c['op_fee'])} | "
            f"{eth(c['arbitrum_fee'])} |"
        )
    return "\n".join(lines) + f"\n\nPrices: {p.describe()}.\n"
