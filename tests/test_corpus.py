import gzip

import pytest

from korocr.text import Charset
from korocr.text.corpus import CorpusError, CorpusReport, build_corpus, load_naver_news, load_source


def test_kiwi_split_clean_dedup():
    docs = ["안녕하세요. 오늘 날씨가 좋네요!  정말   좋아요", "안녕하세요.", "ㅋ", "中文 문장입니다."]
    rep = CorpusReport()
    out = list(build_corpus(docs, charset=Charset.default(), report=rep))
    assert out == ["안녕하세요.", "오늘 날씨가 좋네요!", "정말 좋아요"]
    assert rep.documents == 4
    assert rep.sentences == rep.kept + sum(rep.dropped.values())
    assert rep.dropped["duplicate"] == 1 and rep.dropped["too short"] == 1 and rep.dropped["outside charset"] == 1


def test_replace_outside_and_length():
    out = list(build_corpus(["中文 문장", "아주 긴 문장입니다"], split=False, charset=Charset.default(),
                            outside="replace", max_chars=6))
    assert out == ["문장"]


def test_loaders(tmp_path):
    nsmc = tmp_path / "nsmc_raw_reviews.tsv.gz"
    with gzip.open(nsmc, "wt", encoding="utf-8") as fh:
        fh.write("review_id\tmovie_id\trating\tdate\treview\n1\t10\t9\t15.08.25\t재밌어요 \"최고\"\n")
    assert list(load_source(str(nsmc))) == ['재밌어요 "최고"']
    chat = tmp_path / "ChatbotData.csv"
    chat.write_text("Q,A,label\n12시 땡!,하루가 또 가네요.,0\n", encoding="utf-8")
    assert list(load_source(str(chat))) == ["12시 땡!", "하루가 또 가네요."]
    with pytest.raises(CorpusError, match="no column"):
        list(load_source(str(chat), "table", ["document"]))


def test_naver_news_through_datasets_on_a_local_file(tmp_path):
    pytest.importorskip("datasets")
    f = tmp_path / "naver_news.csv"
    f.write_text("date,category,press,title,document,link,summary\n"
                 "2022-07-01,economy,A,제목,첫 문장입니다. 두 번째 문장입니다.,http://x,요약\n", encoding="utf-8")
    docs = list(load_naver_news(str(f)))
    assert docs == ["첫 문장입니다. 두 번째 문장입니다."]
    assert list(build_corpus(docs)) == ["첫 문장입니다.", "두 번째 문장입니다."]
