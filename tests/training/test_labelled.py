from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from tests.utils.files import write_text
from training.labelled import LabelFileError, read_labelled_file, read_labelled_files


def test_csv_with_sentiment_and_intents_columns(tmp_path: Path) -> None:
    p = write_text(
        tmp_path / "l.csv",
        'text,sentiment,intents\n求链接,positive,purchase_intent\n是广告吗,中性,"paid_suspicion,question"\n好看,pos,\n',
    )
    df, errors = read_labelled_file(p)
    assert errors == []
    assert df["sentiment"].tolist() == ["positive", "neutral", "positive"]
    assert df.loc[1, "paid_suspicion"] == 1.0 and df.loc[1, "question"] == 1.0 and df.loc[1, "spam"] == 0.0
    assert df.loc[2, ["purchase_intent", "spam"]].tolist() == [0.0, 0.0]


def test_csv_per_intent_columns_and_row_errors(tmp_path: Path) -> None:
    p = write_text(
        tmp_path / "l.csv",
        "content,label,spam,question\n互关,neutral,1,0\n,positive,0,0\n好看,great,0,0\n什么色号,neutral,maybe,1\n",
    )
    df, errors = read_labelled_file(p)
    assert len(df) == 1 and df.loc[0, "spam"] == 1.0
    assert math.isnan(df.loc[0, "purchase_intent"])  # not given in this file
    assert [e.split(":")[0] for e in errors] == ["l.csv line 3", "l.csv line 4", "l.csv line 5"]
    assert "unknown sentiment 'great'" in errors[1] and "maybe" in errors[2]


def test_csv_without_usable_columns_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_text("comment,score\n好,1\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="expected a text"):
        read_labelled_file(p)


def test_label_studio_full_and_min_exports(tmp_path: Path) -> None:
    full = [
        {
            "data": {"text": "求链接"},
            "annotations": [
                {
                    "was_cancelled": False,
                    "result": [
                        {"from_name": "sentiment", "type": "choices", "value": {"choices": ["positive"]}},
                        {
                            "from_name": "intents",
                            "type": "choices",
                            "value": {"choices": ["purchase_intent"]},
                        },
                    ],
                }
            ],
        },
        {"data": {"text": "没标注"}, "annotations": []},
    ]
    mini = [
        {"text": "是广告吗", "sentiment": "neutral", "intents": {"choices": ["paid_suspicion", "question"]}}
    ]
    (tmp_path / "full.json").write_text(json.dumps(full, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "min.json").write_text(json.dumps(mini, ensure_ascii=False), encoding="utf-8")
    df, errors = read_labelled_files([tmp_path / "full.json", tmp_path / "min.json"])
    assert df["text"].tolist() == ["求链接", "是广告吗"]
    assert df.loc[0, "purchase_intent"] == 1.0 and df.loc[1, "question"] == 1.0
    assert errors == ["full.json task 2: no sentiment or intents annotation"]


def test_unsupported_file_type(tmp_path: Path) -> None:
    (tmp_path / "l.xlsx").write_bytes(b"PK")
    with pytest.raises(LabelFileError, match="unsupported type"):
        read_labelled_file(tmp_path / "l.xlsx")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_csv_in_every_accepted_encoding_is_decoded(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "l.csv"
    p.write_bytes("text,sentiment\n求链接,正面\n滤镜太重了吧,负面\n".encode(encoding))
    df, errors = read_labelled_file(p)
    assert errors == []
    assert df["text"].tolist() == ["求链接", "滤镜太重了吧"]
    assert df["sentiment"].tolist() == ["positive", "negative"]


def test_a_file_in_no_accepted_encoding_is_refused_naming_them(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_bytes(b"text,sentiment\n\xff\xfe\xff,positive\n")
    with pytest.raises(LabelFileError, match=r"l\.csv: line 2 is neither UTF-8 .* or GB18030/GBK"):
        read_labelled_file(p)


def test_messages_name_the_file_as_the_user_called_it(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"  # a staging name: the user uploaded "我的标注.csv"
    p.write_text("text,sentiment\n好看,great\n", encoding="utf-8")
    _, errors = read_labelled_file(p, name="我的标注.csv")
    assert errors == ["我的标注.csv line 2: unknown sentiment 'great'; accepted: positive, neutral, negative"]
    p.write_text("comment\n好\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"^我的标注\.csv: columns"):
        read_labelled_file(p, name="我的标注.csv")


def test_deeply_nested_label_studio_json_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "l.json"
    p.write_text('[{"text": "好", "sentiment": ' + "[" * 5000 + "]" * 5000 + "}]", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"l\.json: nested deeper than"):
        read_labelled_file(p)


def test_an_unreadable_csv_record_is_refused_not_a_crash(tmp_path: Path) -> None:
    previous = csv.field_size_limit(131_072)  # the csv module's default (ingest raises it)
    try:
        check_unreadable_record(tmp_path)
    finally:
        csv.field_size_limit(previous)


def check_unreadable_record(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_text("text,sentiment\n好看,positive\n" + "长" * 200_000 + ",positive\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"l\.csv: unreadable CSV record after line 2 \(field larger"):
        read_labelled_file(p)
