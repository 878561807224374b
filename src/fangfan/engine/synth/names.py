"""Chinese names, village names and phone numbers, drawn vectorised from frequency tables.

Two and a half million names must take seconds, so nothing here loops per person:
indices are drawn with numpy and the characters gathered and joined by Polars.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# Surnames with rough weights (national frequency, with a Gansu lean: 杨 何 魏 苟 蒲 …).
SURNAMES: dict[str, float] = {
    "王": 7.5,
    "李": 7.4,
    "张": 7.0,
    "刘": 5.4,
    "陈": 4.5,
    "杨": 4.6,
    "赵": 2.6,
    "黄": 1.9,
    "周": 1.8,
    "吴": 1.5,
    "徐": 1.2,
    "孙": 1.3,
    "马": 2.2,
    "胡": 1.2,
    "朱": 1.0,
    "郭": 1.3,
    "何": 1.0,
    "罗": 0.7,
    "高": 1.1,
    "林": 0.4,
    "梁": 0.8,
    "宋": 0.7,
    "郑": 0.6,
    "谢": 0.5,
    "韩": 0.7,
    "唐": 0.5,
    "冯": 0.6,
    "董": 0.7,
    "程": 0.5,
    "曹": 0.6,
    "袁": 0.5,
    "邓": 0.4,
    "许": 0.5,
    "傅": 0.2,
    "沈": 0.2,
    "曾": 0.2,
    "彭": 0.4,
    "吕": 0.4,
    "苏": 0.5,
    "蒋": 0.3,
    "蔡": 0.3,
    "贾": 0.6,
    "丁": 0.4,
    "魏": 0.8,
    "薛": 0.4,
    "叶": 0.2,
    "阎": 0.3,
    "余": 0.3,
    "潘": 0.3,
    "杜": 0.5,
    "戴": 0.2,
    "夏": 0.2,
    "钟": 0.2,
    "汪": 0.4,
    "田": 0.6,
    "任": 0.5,
    "姜": 0.4,
    "范": 0.3,
    "方": 0.2,
    "石": 0.4,
    "姚": 0.3,
    "谭": 0.2,
    "廖": 0.1,
    "邹": 0.2,
    "熊": 0.2,
    "金": 0.3,
    "陆": 0.2,
    "郝": 0.3,
    "孔": 0.2,
    "白": 0.4,
    "崔": 0.3,
    "康": 0.3,
    "毛": 0.3,
    "邱": 0.2,
    "秦": 0.3,
    "苟": 0.6,
    "蒲": 0.5,
    "雷": 0.4,
    "牛": 0.4,
    "焦": 0.2,
    "庞": 0.2,
    "仇": 0.1,
    "尚": 0.2,
    "后": 0.2,
    "包": 0.1,
    "祁": 0.2,
}
MALE_CHARS = [
    "伟",
    "强",
    "军",
    "明",
    "平",
    "刚",
    "勇",
    "峰",
    "建",
    "国",
    "林",
    "斌",
    "杰",
    "涛",
    "宏",
    "文",
    "辉",
    "成",
    "兵",
    "忠",
    "福",
    "生",
    "龙",
    "海",
    "山",
    "东",
    "志",
    "永",
    "德",
    "胜",
    "喜",
    "贵",
    "全",
    "发",
    "荣",
    "祥",
    "宝",
    "云",
    "鹏",
    "俊",
    "华",
    "红",
    "学",
    "新",
    "小",
    "虎",
    "鑫",
    "浩",
    "宇",
    "子",
    "博",
    "轩",
    "昊",
    "晨",
]
FEMALE_CHARS = [
    "秀",
    "英",
    "芳",
    "娟",
    "霞",
    "兰",
    "丽",
    "梅",
    "琴",
    "红",
    "玲",
    "燕",
    "萍",
    "花",
    "珍",
    "莲",
    "凤",
    "桂",
    "菊",
    "艳",
    "静",
    "敏",
    "雪",
    "婷",
    "娜",
    "丹",
    "慧",
    "小",
    "玉",
    "春",
    "翠",
    "巧",
    "彩",
    "金",
    "欣",
    "怡",
    "雨",
    "佳",
    "梓",
    "涵",
    "萱",
    "悦",
    "琳",
    "瑶",
]

# A few characters and a homophone a clerk might type instead (NAME_HOMOPHONE).
HOMOPHONES: dict[str, str] = {
    "英": "莹",
    "华": "花",
    "明": "铭",
    "军": "君",
    "芳": "方",
    "红": "宏",
    "平": "萍",
    "霞": "侠",
    "兰": "岚",
    "丽": "莉",
    "伟": "玮",
    "强": "蔷",
    "林": "琳",
    "峰": "锋",
    "建": "健",
    "国": "帼",
    "文": "雯",
    "成": "诚",
    "忠": "中",
    "生": "升",
    "海": "亥",
    "东": "冬",
    "志": "智",
    "胜": "圣",
    "梅": "玫",
    "琴": "勤",
    "玲": "铃",
    "燕": "艳",
    "珍": "贞",
    "凤": "峰",
    "秀": "绣",
    "娟": "鹃",
}

VILLAGE_FIRST = list("张王李杨刘陈赵马何魏苟蒲高郭石白黄红青新太安丰和平兴庄河沟坪坝湾岭山川")
VILLAGE_SECOND = list("家庄坪坝沟湾河岭山寺庙台堡园峪崖峡川集店窑嘴铺营")
VILLAGE_THIRD = ["", "上", "下", "东", "西", "南", "北", "中"]


def _pick(
    rng: np.random.Generator, choices: list[str], count: int, weights: list[float] | None = None
) -> pl.Series:
    p = None if weights is None else np.asarray(weights) / np.sum(weights)
    index = rng.choice(len(choices), size=count, p=p)
    return pl.Series(choices, dtype=pl.String).gather(index)


def person_names(rng: np.random.Generator, is_male: np.ndarray) -> pl.Series:
    """One name per person: a surname and one or two given characters fitting the sex."""
    count = len(is_male)
    surname = _pick(rng, list(SURNAMES), count, list(SURNAMES.values()))
    male_first, male_second = _pick(rng, MALE_CHARS, count), _pick(rng, MALE_CHARS, count)
    female_first, female_second = _pick(rng, FEMALE_CHARS, count), _pick(rng, FEMALE_CHARS, count)
    two_chars = pl.Series(rng.random(count) < 0.72)
    frame = pl.DataFrame(
        {
            "surname": surname,
            "first": pl.Series(np.where(is_male, male_first.to_numpy(), female_first.to_numpy())),
            "second": pl.Series(np.where(is_male, male_second.to_numpy(), female_second.to_numpy())),
            "two": two_chars,
        }
    )
    return frame.select(
        pl.concat_str("surname", "first", pl.when("two").then(pl.col("second")).otherwise(pl.lit(""))).alias(
            "name"
        )
    )["name"]


def homophone(name: str) -> str | None:
    """The name with its last replaceable given-name character swapped for a homophone."""
    for position in range(len(name) - 1, 0, -1):
        if name[position] in HOMOPHONES:
            return name[:position] + HOMOPHONES[name[position]] + name[position + 1 :]
    return None


def village_names(rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct village names (…村) for one township."""
    total = len(VILLAGE_FIRST) * len(VILLAGE_SECOND) * len(VILLAGE_THIRD)
    picks = rng.choice(total, size=min(count, total), replace=False)
    third, rest = np.divmod(picks, len(VILLAGE_FIRST) * len(VILLAGE_SECOND))
    first, second = np.divmod(rest, len(VILLAGE_SECOND))
    return [
        f"{VILLAGE_FIRST[a]}{VILLAGE_SECOND[b]}{VILLAGE_THIRD[c]}村"
        for a, b, c in zip(first, second, third, strict=True)
    ]


def phones(rng: np.random.Generator, count: int) -> pl.Series:
    """Mobile numbers (11 digits, 13x/15x/17x/18x/19x)."""
    prefixes = np.array(
        [
            130,
            131,
            132,
            133,
            135,
            136,
            137,
            138,
            139,
            150,
            151,
            152,
            153,
            155,
            157,
            158,
            159,
            170,
            173,
            177,
            180,
            181,
            183,
            185,
            187,
            188,
            189,
            191,
            193,
            199,
        ]
    )
    head = prefixes[rng.integers(0, len(prefixes), count)].astype(np.int64)
    tail = rng.integers(0, 100_000_000, count, dtype=np.int64)
    return pl.Series((head * 100_000_000 + tail).astype(str))


def masked(mask: np.ndarray, values: np.ndarray | str) -> pl.Series:
    """Text `values` where `mask` holds, null elsewhere."""
    series = pl.Series(np.broadcast_to(np.asarray(values, dtype=str), mask.shape))
    return pl.select(pl.when(pl.Series(mask)).then(series)).to_series()
