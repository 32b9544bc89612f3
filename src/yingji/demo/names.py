"""Names and codes for demo data: places, people, enterprises, unified social credit codes.

Everything is drawn from a caller's ``numpy.random.Generator`` so a seed fixes the result.
The name lists are written for this project (common Chinese place-name stems and surnames),
not copied from any official roster, so no demo place or person is a real one.
"""

from __future__ import annotations

import numpy as np

from yingji.enterprises.credit_code import check_char, org_check_char

_TOWNSHIP_TEXT = (
    "龙凤 石桥 长坪 白鹤 双河 高峰 新田 太和 永安 青龙 龙泉 桂花 金竹 复兴 清泉 三合 "
    "天星 马鞍 黄桷 柏杨 铁峰 白土 龙驹 分水 走马 梨树 罗田 长岭 大周 新乡 太安 孙家 "
    "甘宁 普子 溪口 兴隆 长滩 余家 后山 弹子 熊家 燕山 高梁 郭村 恒合 地宝 白羊 响水 "
    "武陵 瀼渡 李河 九池 柱山 大石 双龙 安溪 青杠 回龙 东溪 南平 万兴 福禄 古楼 仁义 "
    "丰收 红光 鹿角 洛碛 石龙 木洞 麻柳 朝阳 云龙 华丰 金龙 同乐 中和 鸣玉 宝胜 龙台 "
    "观音 文峰 土坪 新店 四合 金盆 凉水 石门 龙潭 铜鼓 板桥 三溪 石柱 长安 沙河 西沱"
)
TOWNSHIP_STEMS: tuple[str, ...] = tuple(_TOWNSHIP_TEXT.split())
"""Two-character stems of township names; a county never repeats one."""

VILLAGE_HEADS: tuple[str, ...] = tuple(
    "大小新老上下高石黄白青红金龙凤桂柏松竹梅兴和平安福太长双三五马牛鹤狮杨柳桃李"
)
VILLAGE_TAILS: tuple[str, ...] = tuple("河桥坪湾坝山林溪塘岩田垭峰池井岭沟坡")
VILLAGE_CLANS: tuple[str, ...] = tuple("张王李刘陈杨黄赵周吴谭冉向罗何唐邓曾彭余")
VILLAGE_CLAN_TAILS: tuple[str, ...] = tuple("湾坝沟坪院嘴岩")

SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔毛邱秦江史顾侯邵孟龙万段"
    "雷钱汤尹黎易常武贺赖龚文冉向牟"
)
GIVEN_CHARS: tuple[str, ...] = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文红建国志海云飞俊鹏辉斌宇浩凯健"
    "林峰波晨欣怡佳琳婷雪梅莉燕萍玲丹蓉倩颖慧宁鑫亮成龙德福兴春秋冬晓光荣昊宏泽川渝江琴"
    "瑶露霖雯嘉涵睿博航毅帆旭阳锋翔然鸿彬坤良松柏永长庆祥东顺发贵忠洪兵利"
)

ENTERPRISE_TRADES: tuple[tuple[str, str], ...] = (
    ("化工", "危险化学品"),
    ("燃气", "燃气"),
    ("建材", "工贸"),
    ("矿业", "非煤矿山"),
    ("物流", "道路运输"),
    ("建筑工程", "建筑施工"),
    ("食品", "工贸"),
    ("石油销售", "危险化学品"),
)
"""(name part, sector) pairs for demo enterprises."""
TRADE_INDUSTRY = {
    "化工": "2614",  # 有机化学原料制造
    "燃气": "4500",  # 燃气生产和供应业
    "建材": "3011",  # 水泥制造
    "矿业": "1019",  # 其他土砂石开采
    "物流": "5430",  # 道路货物运输
    "建筑工程": "4700",  # 房屋建筑业
    "食品": "1391",  # 淀粉及淀粉制品制造
    "石油销售": "5265",  # 机动车燃油零售
}
"""GB/T 4754-2017 code of each demo trade."""


def _pool_size_prime(n: int) -> int:
    """Largest prime <= n, so (start + step * k) mod p visits p distinct slots."""
    for p in range(n, 1, -1):
        if all(p % d for d in range(2, int(p**0.5) + 1)):
            return p
    return 1


def distinct_picks(rng: np.random.Generator, counts: np.ndarray, pool: int) -> np.ndarray:
    """For groups of ``counts`` items, indices into a pool, distinct within each group.

    A random start and step modulo a prime gives up to ``p`` distinct values per group with no
    per-group shuffle, which keeps a million names vectorised.
    """
    p = _pool_size_prime(pool)
    if counts.size and counts.max() > p:
        raise ValueError(f"at most {p} distinct names per group, asked for {counts.max()}")
    group = np.repeat(np.arange(counts.size), counts)
    k = np.arange(group.size) - np.repeat(np.cumsum(counts) - counts, counts)
    start = rng.integers(0, p, counts.size)
    step = rng.integers(1, p, counts.size) if p > 1 else np.ones(counts.size, dtype=np.int64)
    return (start[group] + step[group] * k) % p


def village_pool() -> list[str]:
    """Every village-name stem the demo uses: 大河, 石桥 ..., and clan names like 张家湾."""
    plain = [h + t for h in VILLAGE_HEADS for t in VILLAGE_TAILS if h != t]
    clan = [c + "家" + t for c in VILLAGE_CLANS for t in VILLAGE_CLAN_TAILS]
    return plain + clan


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` Chinese names: common surnames weighted towards the frequent, 1 or 2 given chars."""
    weights = 1.0 / (np.arange(len(SURNAMES)) + 4.0)
    surname = rng.choice(len(SURNAMES), n, p=weights / weights.sum())
    g1 = rng.integers(0, len(GIVEN_CHARS), n)
    g2 = rng.integers(0, len(GIVEN_CHARS), n)
    two = rng.random(n) < 0.72
    s, g = SURNAMES, GIVEN_CHARS
    return [
        s[a] + g[b] + (g[c] if t else "")
        for a, b, c, t in zip(surname.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)
    ]


def uscc(rng: np.random.Generator, adcode: str) -> str:
    """A well-formed credit code of an enterprise (91 = market regulator, company) in ``adcode``."""
    body = "".join(str(d) for d in rng.integers(0, 10, 8).tolist())
    first17 = "91" + adcode + body + org_check_char(body)
    return first17 + check_char(first17)
