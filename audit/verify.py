"""Walking the chains: recompute every hash, check every link and each chain's recorded head."""

from dataclasses import dataclass, field

from .hashing import HASHED_FIELDS, event_hash
from .models import GENESIS_HASH, AuditChain, AuditEvent


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"#{self.seq} (id {self.event_id})" if self.seq is not None else "链头"
        return f"{self.chain} {where}: {self.reason}"


@dataclass
class VerifyResult:
    chains: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def verify_chains(*, chain_names: list[str] | None = None) -> VerifyResult:
    heads = dict(AuditChain.objects.values_list("name", "length"))
    head_hashes = dict(AuditChain.objects.values_list("name", "head_hash"))
    names = chain_names or sorted(set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct()))
    result = VerifyResult()
    for name in names:
        result.chains += 1
        broken = _verify_one(name, heads.get(name), head_hashes.get(name), result)
        if broken:
            result.broken.append(broken)
    return result


def _verify_one(name: str, head_length, head_hash, result: VerifyResult) -> BrokenLink | None:
    rows = (
        AuditEvent.objects.filter(chain=name)
        .order_by("seq")
        .values_list("id", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=5000)
    )
    expected_seq, previous_hash = 1, GENESIS_HASH
    for event_id, stored_hash, *values in rows:
        result.events += 1
        content = dict(zip(HASHED_FIELDS, values, strict=True))
        seq = content["seq"]
        if seq != expected_seq:
            return BrokenLink(name, seq, event_id, f"序号不连续：应为 {expected_seq}，实为 {seq}（有事件被删除或插入）")
        if content["prev_hash"] != previous_hash:
            return BrokenLink(name, seq, event_id, "前一事件的哈希不符（前面的事件被改动、删除或插入）")
        if event_hash(**content) != stored_hash:
            return BrokenLink(name, seq, event_id, "内容与哈希不符（该事件被改动）")
        expected_seq, previous_hash = seq + 1, stored_hash
    if head_length is None:
        return BrokenLink(name, None, None, "链头记录缺失")
    if head_length != expected_seq - 1 or head_hash != previous_hash:
        return BrokenLink(
            name, None, None, f"链头记录长度 {head_length}，实有 {expected_seq - 1} 个事件（末尾事件被删除或插入）"
        )
    return None
