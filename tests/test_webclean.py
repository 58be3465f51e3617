"""Web-text cleaning: boilerplate lines, mojibake of gateway copies, full-width text, learned boilerplate."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.clean.web import (
    clean_lines,
    is_boilerplate,
    learn_boilerplate,
    line_key,
    normalise_width,
    remove_boilerplate,
    repair_mojibake,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "press"
QUOTED = (
    "Gao Feng said: “We’ll keep ports open — and it’s “normal” now…” "
    "The ministry’s four measures\u00a0cover logistics, café chains and Xi’an’s rail freight."
)


def gbk_copy(text: str) -> str:
    """How a UTF-8 page looks when read as GBK, the way gateway copies mangle it."""
    return text.encode("utf-8").decode("gbk", errors="replace")


def big5_gateway_copy(text: str) -> str:
    """The GBK reading re-encoded as Big5 by a gateway: characters missing in Big5 become '?'."""
    return gbk_copy(text).encode("big5", errors="replace").decode("big5")


@pytest.mark.parametrize(
    "line",
    [
        "Home > News > Press Conference",
        "Home » Business » Economy",
        "You are here: Home > Business > Economy",
        "当前位置：首页 > 新闻中心 > 政务动态",
        "當前位置：首頁 > 新聞發布",
        "Home | China | World | Business | Sci-Tech",
        "Home Categories Send inquiry",
        "Share - WeChat",
        "Share this article",
        "分享到：微信 微博",
        "Facebook Twitter LinkedIn WeChat",
        "【打印本页】 【关闭窗口】",
        "Copyright © 2010-2022 MOFCOM. All rights reserved.",
        "Copyright 1995 - 2022 . All rights reserved. The content published in this site belongs to China Daily.",
        "京ICP备05004093号-1",
        "浙公网安备 33020302000201号",
        "主办单位：宁波市人民政府办公厅",
        "Sponsored by: Ministry of Commerce of the People's Republic of China",
        "Registration Number: 130349",
        "Tag: foreign trade, customs, ports",
        "Tags: RCEP",
        "Editor: Wang Xiaoyu",
        "(Editor: Li Yan)",
        "[Responsible editor: Zhang Wei]",
        "责任编辑：王晓",
        "Source: Xinhua | 2022-05-26 10:14:52",
        "By Zhong Nan | chinadaily.com.cn | Updated: 2022-05-26",
        "发布时间：2022-05-26  来源：宁波市商务局",
        "Previous: Port throughput hits record high",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)
    assert clean_lines([line]) == []


@pytest.mark.parametrize(
    "line",
    [
        "Home prices in first-tier cities rose 0.3 percent in May.",
        "Share prices of Chinese shipping companies fell 3 percent on Monday.",
        "Shares of COSCO Shipping rose after the announcement.",
        "The copyright office said it will protect the rights of foreign enterprises.",
        "The source of the delays, he said, is the shortage of truck drivers in Shanghai.",
        "Customs editors of the trade journal met exporters in Ningbo.",
        "The first is to clear the blocking points to ensure the smooth transportation of foreign trade goods.",
        "海关总署表示，将进一步提升货物通关便利化水平。",
        "分享经济成为外贸新业态。",
    ],
)
def test_content_lines_survive(line: str) -> None:
    assert not is_boilerplate(line)
    assert clean_lines([line]) == [line]


def test_gbk_mojibake_of_curly_quotes_is_undone_exactly() -> None:
    garbled = gbk_copy(QUOTED)
    assert (
        "鈥" in garbled and "聽" in garbled
    )  # what such copies look like: 鈥檚 for ’s, 聽 for a no-break space
    assert repair_mojibake(garbled) == QUOTED.replace("\u00a0", " ")


def test_big5_gateway_copy_is_repaired_where_bytes_survive() -> None:
    garbled = big5_gateway_copy(QUOTED)
    assert "鈥" in garbled and "?" in garbled  # some characters were lost entirely
    fixed = repair_mojibake(garbled)
    assert "鈥" not in fixed and "?" not in fixed
    assert "We’ll keep ports open — and it’s" in fixed
    assert "The ministry’s four measures cover logistics, café chains and Xi’an’s rail freight." in fixed


def test_latin1_mojibake_goes_through_ftfy() -> None:
    assert repair_mojibake("The ministryâ€™s â€œsix stabilitiesâ€\x9d") == "The ministry’s “six stabilities”"


@pytest.mark.parametrize(
    "line",
    [
        QUOTED,
        "The Belt and Road Initiative (一带一路) was discussed with 海关总署 officials.",
        "海关总署：多措并举提升货物通关便利化水平",
        "中国（上海）自由贸易试验区",
        "Plain ASCII text stays as it is.",
    ],
)
def test_clean_text_is_left_alone(line: str) -> None:
    assert repair_mojibake(line) == line


def test_chinese_text_read_as_gbk_is_undone() -> None:
    original = "海关总署"  # only fully reversible readings can be undone; lossy ones need a refetch
    garbled = original.encode("utf-8").decode("gbk")
    assert garbled == "娴峰叧鎬荤讲"
    assert repair_mojibake(garbled) == original


def test_full_width_punctuation_becomes_ascii_in_english_only() -> None:
    assert (
        normalise_width("Ｔｈｅ　ＧＤＰ　ｇｒｅｗ　５％，ｅｘｐｏｒｔｓ　ｒｏｓｅ。")
        == "The GDP grew 5%,exports rose."
    )
    assert (
        normalise_width("Exports rose 5％（year on year）：a record")
        == "Exports rose 5%(year on year):a record"
    )
    chinese = "海关总署：前4个月，我国外贸进出口12.58万亿元（人民币）。"
    assert normalise_width(chinese) == chinese


def test_learned_boilerplate_is_per_host_and_needs_enough_pages() -> None:
    def page(i: int) -> list[str]:
        return [
            "Port of Ningbo news centre",
            f"Updated: 2022-05-{10 + i}",
            f"{['Ningbo', 'Zhoushan', 'Shanghai', 'Xiamen', 'Qingdao', 'Tianjin', 'Dalian'][i % 7]} port "
            f"throughput rose by {i} percent as container lines restored their Europe services.",
            "Send your message to this supplier",
        ]

    learned = learn_boilerplate({"ningbo": [page(i) for i in range(6)], "tiny": [page(i) for i in range(3)]})
    assert "tiny" not in learned
    assert learned["ningbo"] == {
        line_key("Port of Ningbo news centre"),
        line_key("Updated: 2022-05-10"),  # digits are masked, so every date matches
        line_key("Send your message to this supplier"),
    }
    assert remove_boilerplate(page(6), learned["ningbo"]) == [page(6)[2]]
    assert clean_lines(page(6), learned["ningbo"]) == [page(6)[2]]


def test_reprinted_pages_count_once_when_learning() -> None:
    same = ["One story reprinted many times on this host.", "Its second paragraph."]
    other = [
        [f"A different story about {port}.", "Footer line"]
        for port in ("Ningbo", "Xiamen", "Dalian", "Tianjin")
    ]
    learned = learn_boilerplate({"h": [same] * 10 + other}, min_share=0.5, min_pages=5)
    assert learned["h"] == {line_key("Footer line")}


def test_seed_with_navigation_crumbs_is_cleaned() -> None:
    lines = (SEEDS / "003_1fae060d1eff80c3.txt").read_text(encoding="utf-8").splitlines()
    cleaned = clean_lines(lines)
    assert lines[0] == "Home Categories Send inquiry"
    assert cleaned[0].startswith("General Administration of Customs of China")
    assert all(line.strip() for line in cleaned)
