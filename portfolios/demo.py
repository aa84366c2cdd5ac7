"""Portfolio items for the demo school (示範學校): real files on items in every state.

Builds on :mod:`schools.demo` (school 389301, terms 112-1 … 114-1). :func:`load_demo_portfolios`
adds:

- windows (期程) for every term: 114-1's upload, certification and tick windows open from the
  term's start until 2027-07-31; past terms' windows closed at realistic dates;
- for ``demo-student``: 114-1 course outcomes in every state — draft, pending, certified,
  returned (with a reason) and certified + ticked — diverse performances of several record
  types (some with files, one with an external link, some ticked), certified and ticked outcomes
  in 112 and 113, and a consultation record by ``demo-consultant`` with a PDF attachment;
- for six classmates in 商三甲: 1–3 items each in mixed states, so ``demo-homeroom``'s class
  page and ``demo-teacher``'s certification queue (經濟學) have content.

Current-term items go through the real actions (``portfolios.actions``): the same file checks,
windows, permissions and caps as a student or teacher meets, and the same audit rows. Items of
past school years cannot: their windows are closed (as they would be). They are created
directly on the models, already certified by the offering's teacher, with tick slots locked as
submitted by the school, and have no audit rows; their files still pass
:func:`files.ingest.check_and_store`.

The files are generated once per run (a WeasyPrint PDF with Traditional Chinese text, Pillow
PNG and JPEG images, a 1-second MP3 and MP4 from ffmpeg) and reused: identical bytes are one
blob. Nothing is generated when every item exists already.

Idempotent: items are matched on (student, description) — plus course record for outcomes and
record type for performances — and a second run creates nothing (no rows, no audit events).
An item found in an earlier state than planned is moved on (e.g. pending → certified).
"""

import datetime
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from files.ingest import blob_for, check_and_store
from files.models import Blob
from files.rules import FileRule
from schools.demo import (
    CURRENT_TERM,
    DEMO_STUDENT_NUMBER,
    SCHOOL_CODE,
    TAIPEI,
    TERMS,
    Writer,
    term_dates,
)
from schools.models import CourseRecord, School, Student, Teacher, Term

from .actions import (
    certify_outcomes,
    create_consultation_record,
    create_performance,
    return_outcome,
    set_window,
    tick_item,
    upload_outcome,
)
from .models import (
    ConsultationKind,
    ConsultationRecord,
    CourseOutcome,
    OutcomeStatus,
    Performance,
    RecordType,
    RuleSet,
    TickKind,
    TickSlot,
    Window,
    WindowKind,
)
from .record_types import details_form_class, details_to_json, title_of

# --- Windows --------------------------------------------------------------------------------

#: The current term's windows close at midnight starting 2027-08-01 (Asia/Taipei), i.e. they
#: accept uploads, certifications and ticks through 2027-07-31. 114-1 itself ended on
#: 2026-01-31, but the demo must keep working for months after it is loaded (it was written on
#: 2026-11-29); move this date on (and run ``load_demo_school`` again) when it comes near.
CURRENT_WINDOWS_CLOSE = datetime.datetime(2027, 8, 1, tzinfo=TAIPEI)

REGISTRAR_USERNAME = "demo-registrar"
CONSULTANT_USERNAME = "demo-consultant"


def _midnight(day: datetime.date) -> datetime.datetime:
    """00:00 Asia/Taipei at the start of ``day``."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=TAIPEI)


@dataclass(frozen=True)
class WindowSpec:
    term: tuple[int, int]
    kind: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime  # exclusive


def window_specs() -> list[WindowSpec]:
    """Every demo window.

    Current term (114-1): upload, certify and tick open from the term's first day until
    :data:`CURRENT_WINDOWS_CLOSE`. Past terms: uploads until 2 weeks after the term's last day
    (RULES.md §3: at least 2 weeks after the closing ceremony), certification until 3 weeks
    after; the tick window of a past school year is set on its semester-2 term, from 1 June to
    4 weeks after the term (so it closes after the semester's certification window).
    """
    specs = []
    for term in TERMS:
        start, end = term_dates(*term)
        if term == CURRENT_TERM:
            for kind in (WindowKind.UPLOAD, WindowKind.CERTIFY, WindowKind.TICK):
                specs.append(WindowSpec(term, kind, _midnight(start), CURRENT_WINDOWS_CLOSE))
            continue
        after_end = _midnight(end + datetime.timedelta(days=1))
        specs.append(
            WindowSpec(
                term, WindowKind.UPLOAD, _midnight(start), after_end + datetime.timedelta(weeks=2)
            )
        )
        specs.append(
            WindowSpec(
                term, WindowKind.CERTIFY, _midnight(start), after_end + datetime.timedelta(weeks=3)
            )
        )
        if term[1] == 2:
            specs.append(
                WindowSpec(
                    term,
                    WindowKind.TICK,
                    _midnight(datetime.date(end.year, 6, 1)),
                    after_end + datetime.timedelta(weeks=4),
                )
            )
    return specs


def _ensure_windows(registrar: User, terms: dict[tuple[int, int], Term]) -> None:
    """Set every window through ``set_window`` (as ``demo-registrar``), where it is missing or
    differs; an unchanged window is left alone so a second run writes no audit row."""
    existing = {(w.term_id, w.kind): w for w in Window.objects.filter(term__in=terms.values())}
    for spec in window_specs():
        term = terms[spec.term]
        window = existing.get((term.pk, spec.kind))
        if (
            window is not None
            and window.opens_at == spec.opens_at
            and window.closes_at == spec.closes_at
        ):
            continue
        set_window(
            actor=registrar,
            term=term,
            kind=spec.kind,
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
        )


# --- Files ----------------------------------------------------------------------------------

PDF_CSS = """
@page { size: A4; margin: 18mm 20mm; }
body { font-family: "Noto Sans CJK TC", sans-serif; font-size: 11pt; line-height: 1.6;
       color: #222; }
h1 { font-size: 18pt; margin: 0 0 4mm; color: #1d4e89; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #9bb; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; }
th, td { border: 1px solid #888; padding: 1.5mm 2.5mm; text-align: left; }
th { background: #e8eef5; width: 28%; }
.note { color: #666; font-size: 9pt; margin-top: 8mm; }
.seal { text-align: right; margin-top: 12mm; font-size: 13pt; }
"""

PDF_BODIES: dict[str, str] = {
    "report": """
<h1>課程學習成果報告</h1>
<table>
<tr><th>課程名稱</th><td>經濟學（商業經營科 三年級）</td></tr>
<tr><th>主題</th><td>需求彈性與生活中的價格決策</td></tr>
<tr><th>學校</th><td>私立歷程高級商工職業學校（示範學校）</td></tr>
</table>
<h2>一、學習動機</h2>
<p>校內合作社調整飲料價格後，銷量的變化讓我好奇：為什麼有些商品漲價後大家照買，
有些卻乏人問津？於是以課堂學到的需求彈性概念，設計了一份小型調查。</p>
<h2>二、實作過程</h2>
<p>訪問同學 40 人，記錄三種商品在不同價格下的購買意願，計算弧彈性，並以圖表比較
必需品與替代品多的商品之差異。</p>
<h2>三、學習反思</h2>
<p>數據讓抽象的公式變得具體；下一步想把調查擴大到校外商店，並學習用試算表做迴歸分析。</p>
<p class="note">本文件由「歷程」示範資料產生，內容純屬虛構。</p>
""",
    "award": """
<h1 style="text-align:center; font-size:30pt; margin-top:20mm;">獎　狀</h1>
<p style="font-size:15pt; margin-top:15mm;">商三甲 學生參加全國高級中等學校商業類學生技藝競賽
會計資訊職種，表現優異，榮獲<strong>佳作</strong>，特頒此狀，以資鼓勵。</p>
<p class="seal">全國商業技藝競賽 承辦學校（示範）</p>
<p class="seal">中華民國一一四年十二月十二日</p>
<p class="note">本文件由「歷程」示範資料產生，內容純屬虛構。</p>
""",
    "consultation": """
<h1>課程諮詢紀錄表</h1>
<table>
<tr><th>諮詢方式</th><td>個別諮詢</td></tr>
<tr><th>諮詢日期</th><td>114 年 10 月 15 日</td></tr>
<tr><th>諮詢主題</th><td>高三選修規劃與升學方向</td></tr>
</table>
<h2>諮詢內容</h2>
<p>學生對商管群科系有興趣，目前經濟學與會計學成績穩定。討論四技二專統測準備與
學習歷程檔案的整理方式，建議把經濟學的調查實作整理成課程學習成果。</p>
<h2>後續建議</h2>
<p>一、下學期選修「進階會計」；二、參加校內專題競賽；三、每學期整理一次學習反思。</p>
<p class="note">本文件由「歷程」示範資料產生，內容純屬虛構。</p>
""",
}

FFMPEG_BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]


def render_pdf(kind: str) -> bytes:
    """A one-page A4 PDF in Traditional Chinese (WeasyPrint, Noto Sans CJK TC)."""
    from weasyprint import HTML  # slow to import: only when a file is needed

    # Chinese text has no spaces between words: join the source lines without one.
    body = re.sub(r"\n\s*", "", PDF_BODIES[kind])
    html = (
        '<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8">'
        f"<style>{PDF_CSS}</style></head><body>{body}</body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


NOTO_DIR = "/usr/share/fonts/opentype/noto"  # Debian/Ubuntu fonts-noto-cjk


def _cjk_font(size: int) -> Any:
    from PIL import ImageFont

    for name in (
        "NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        try:
            return ImageFont.truetype(name, size, index=3)  # index 3: Traditional Chinese (TC)
        except OSError:
            continue
    return ImageFont.load_default(size)


def render_photo() -> bytes:
    """An 800×600 PNG "photo": a sky gradient, a sun, hills and a school building."""
    from PIL import Image, ImageDraw

    width, height = 800, 600
    ramp = Image.linear_gradient("L").resize((width, height))
    sky = Image.merge(
        "RGB",
        (
            ramp.point(lambda v: 90 + v * 110 // 255),
            ramp.point(lambda v: 150 + v * 80 // 255),
            ramp.point(lambda v: 235 - v * 30 // 255),
        ),
    )
    draw = ImageDraw.Draw(sky)
    draw.ellipse((600, 60, 700, 160), fill=(255, 214, 90))
    draw.polygon([(0, 430), (220, 330), (430, 430)], fill=(92, 150, 90))
    draw.polygon([(300, 440), (560, 310), (800, 440)], fill=(70, 128, 76))
    draw.rectangle((0, 430, width, height), fill=(120, 170, 95))
    draw.rectangle((250, 300, 560, 470), fill=(226, 214, 196), outline=(120, 100, 90), width=3)
    for row in range(3):
        for col in range(5):
            if (row, col) == (2, 2):
                continue  # the door
            x, y = 270 + col * 58, 318 + row * 48
            draw.rectangle((x, y, x + 36, y + 28), fill=(150, 190, 220), outline=(90, 90, 90))
    draw.rectangle((385, 420, 425, 470), fill=(130, 90, 60))
    draw.text((262, 478), "歷程示範照片", fill=(40, 40, 40), font=_cjk_font(26))
    out = io.BytesIO()
    sky.save(out, "PNG", optimize=True)
    return out.getvalue()


def render_scan() -> bytes:
    """An 800×600 JPEG "scan" of a certificate (cream paper, border, Chinese heading)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (250, 244, 226))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 580), outline=(160, 120, 40), width=8)
    draw.rectangle((40, 40, 760, 560), outline=(200, 170, 90), width=2)
    draw.text((250, 80), "技術士證", fill=(120, 30, 30), font=_cjk_font(64))
    font = _cjk_font(28)
    for i, line in enumerate(
        ("職類：電腦軟體應用", "級別：丙級", "證號：示範-0000000", "（示範資料，非真實證照）")
    ):
        draw.text((140, 220 + i * 60), line, fill=(40, 40, 40), font=font)
    draw.ellipse((580, 400, 720, 540), outline=(200, 40, 40), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def render_media(tmp: Path, kind: str) -> bytes:
    """A ~1 s MP3 (440 Hz sine) or MP4 (320×240 test pattern, 10 fps), made by ffmpeg."""
    if kind == "mp3":
        args = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-q:a", "9"]
    else:
        args = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "1",
                "-pix_fmt", "yuv420p", "-flags:v", "+bitexact"]  # fmt: skip
    target = tmp / f"demo.{kind}"
    subprocess.run(  # noqa: S603 (fixed arguments, no user input)
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, *FFMPEG_BITEXACT, str(target)],  # noqa: S607
        check=True,
        timeout=60,
    )
    return target.read_bytes()


#: The distinct files of the demo: key → extension.
FILE_KINDS = {
    "report": "pdf",
    "award": "pdf",
    "consultation": "pdf",
    "photo": "png",
    "scan": "jpg",
    "audio": "mp3",
    "video": "mp4",
}


class DemoFiles:
    """The demo's files, generated on first use and kept for the run."""

    @cached_property
    def contents(self) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="licheng-demo-") as tmp:
            return {
                "report": render_pdf("report"),
                "award": render_pdf("award"),
                "consultation": render_pdf("consultation"),
                "photo": render_photo(),
                "scan": render_scan(),
                "audio": render_media(Path(tmp), "mp3"),
                "video": render_media(Path(tmp), "mp4"),
            }

    def upload(self, ref: "FileRef | None") -> SimpleUploadedFile | None:
        """A fresh upload object holding the file's bytes under the name the student gave."""
        if ref is None:
            return None
        key, name = ref
        return SimpleUploadedFile(f"{name}.{FILE_KINDS[key]}", self.contents[key])

    def blob(self, ref: "FileRef | None", rule: FileRule) -> tuple[Blob | None, str]:
        """Check and store a file directly (past items); its Blob and display name."""
        upload = self.upload(ref)
        if upload is None:
            return None, ""
        stored = check_and_store(upload, rule=rule)
        return blob_for(stored), stored.display_name


# --- What to create -------------------------------------------------------------------------

FileRef = tuple[str, str]  # (key of FILE_KINDS, file name without extension)

DRAFT, PENDING, CERTIFIED, RETURNED, TICKED = "draft", "pending", "certified", "returned", "ticked"


@dataclass(frozen=True)
class OutcomePlan:
    """A course outcome to have: whose, on which course record, and the state it should reach.

    ``state`` is one of draft, pending, certified, returned or ticked (certified + ticked).
    """

    student_number: str
    term: tuple[int, int]
    subject: str
    description: str
    state: str
    document: FileRef | None = None
    media: FileRef | None = None
    return_reason: str = ""


@dataclass(frozen=True)
class PerformancePlan:
    """A diverse performance; ``term`` other than the current one means a past item."""

    student_number: str
    record_type: str
    details: dict[str, str]
    description: str
    term: tuple[int, int] = CURRENT_TERM
    document: FileRef | None = None
    media: FileRef | None = None
    external_link: str = ""
    ticked: bool = False


@dataclass(frozen=True)
class ConsultationPlan:
    student_number: str
    date: datetime.date
    kind: str
    description: str
    attachment: FileRef | None = None


ME = DEMO_STUDENT_NUMBER
NOW = CURRENT_TERM

OUTCOMES: list[OutcomePlan] = [
    # demo-student, 114-1 (商三甲): one outcome in every state, through the actions.
    OutcomePlan(
        ME,
        NOW,
        "經濟學",
        "需求彈性調查：訪問 40 位同學，計算校內合作社三種商品的價格彈性並製作圖表。",
        TICKED,
        ("report", "經濟學_需求彈性調查報告"),
        ("video", "調查過程紀錄"),
    ),
    OutcomePlan(
        ME,
        NOW,
        "經濟學",
        "市場結構小組報告：比較便利商店與傳統市場的競爭型態，附上課堂簡報錄影。",
        PENDING,
        ("photo", "小組討論照片"),
        ("video", "市場結構簡報"),
    ),
    OutcomePlan(
        ME,
        NOW,
        "初階英語聽講練習",
        "英語自我介紹錄音：以三分鐘介紹家鄉與未來志向，練習連音與語調。",
        TICKED,
        None,
        ("audio", "英語自我介紹"),
    ),
    OutcomePlan(
        ME,
        NOW,
        "國語文",
        "閱讀〈赤壁賦〉後的心得寫作，比較蘇軾前後心境並連結自己的生活經驗。",
        CERTIFIED,
        ("report", "赤壁賦閱讀心得"),
        None,
    ),
    OutcomePlan(
        ME,
        NOW,
        "英語文",
        "英文海報設計：以「校園減塑」為主題製作海報，並撰寫英文說明。",
        RETURNED,
        ("scan", "校園減塑英文海報"),
        None,
        "請補上實作照片與反思",
    ),
    OutcomePlan(
        ME,
        NOW,
        "應用數學",
        "利用試算表模擬零存整付的複利成長，比較不同利率下的十年存款結果。",
        PENDING,
        ("report", "複利試算表報告"),
        None,
    ),
    OutcomePlan(
        ME,
        NOW,
        "基礎日語",
        "日語五十音繪本：以插畫整理平假名與片假名，尚在補充例句。",
        DRAFT,
        ("photo", "五十音繪本草稿"),
        None,
    ),
    # demo-student, past school years (商一甲 112, 商二甲 113): certified and mostly ticked.
    OutcomePlan(
        ME,
        (112, 1),
        "商業概論",
        "訪問社區早餐店老闆，整理其行銷 4P 策略並提出改善建議。",
        TICKED,
        ("report", "早餐店行銷4P分析"),
    ),
    OutcomePlan(
        ME,
        (112, 2),
        "數位科技概論",
        "以簡報軟體製作校園導覽互動簡報，練習超連結與動畫設計。",
        TICKED,
        ("photo", "校園導覽簡報截圖"),
    ),
    OutcomePlan(
        ME,
        (113, 1),
        "會計學",
        "模擬商店一個月的交易，完成日記簿、分類帳與試算表。",
        TICKED,
        ("report", "模擬商店會計循環"),
    ),
    OutcomePlan(
        ME,
        (113, 1),
        "計算機概論",
        "組裝一台桌上型電腦並記錄各零件功能與安裝步驟。",
        TICKED,
        ("photo", "電腦組裝實作"),
    ),
    OutcomePlan(
        ME,
        (113, 2),
        "藝術生活",
        "以校園角落為題的攝影作品集，說明構圖與光線的選擇。",
        TICKED,
        ("scan", "校園角落攝影作品"),
    ),
    OutcomePlan(
        ME,
        (113, 2),
        "英語文",
        "英語短劇演出錄音，擔任旁白並負責劇本改寫。",
        TICKED,
        None,
        ("audio", "英語短劇旁白"),
    ),
    OutcomePlan(
        ME,
        (113, 2),
        "數學",
        "統計單元專題：調查班上通勤時間並繪製盒鬚圖。",
        CERTIFIED,
        ("report", "通勤時間統計專題"),
    ),
    # Classmates in 商三甲, 114-1: pending items in 經濟學 fill demo-teacher's queue.
    OutcomePlan(
        "s112002",
        NOW,
        "經濟學",
        "機會成本日記：記錄一週的時間與金錢選擇，分析每個決定的代價。",
        PENDING,
        ("report", "機會成本日記"),
    ),
    OutcomePlan(
        "s112003",
        NOW,
        "經濟學",
        "拍攝夜市攤商訪談短片，說明供給與需求如何決定價格。",
        PENDING,
        ("photo", "夜市訪談"),
        ("video", "夜市攤商訪談"),
    ),
    OutcomePlan(
        "s112003",
        NOW,
        "國語文",
        "現代詩創作三首，主題為通勤路上的風景。",
        CERTIFIED,
        ("report", "現代詩創作"),
    ),
    OutcomePlan(
        "s112004",
        NOW,
        "經濟學",
        "整理近一年的物價新聞，說明通貨膨脹對家庭開支的影響。",
        TICKED,
        ("report", "物價新聞整理"),
    ),
    OutcomePlan(
        "s112004",
        NOW,
        "英語文",
        "英文讀書心得：閱讀簡易版《小王子》後的摘要與感想。",
        DRAFT,
        ("report", "小王子讀書心得"),
    ),
    OutcomePlan(
        "s112005",
        NOW,
        "經濟學",
        "經濟學課堂筆記照片。",
        RETURNED,
        ("photo", "課堂筆記"),
        None,
        "請說明學習內容與心得，而非只有筆記照片",
    ),
    OutcomePlan(
        "s112005",
        NOW,
        "經濟學",
        "比較三家手機電信方案的價格策略，說明差別取價的概念。",
        PENDING,
        ("report", "電信方案價格策略"),
    ),
    OutcomePlan(
        "s112006",
        NOW,
        "應用數學",
        "以線性規劃求出社團義賣的最佳備貨組合。",
        PENDING,
        ("report", "義賣備貨線性規劃"),
    ),
    OutcomePlan(
        "s112007",
        NOW,
        "經濟學",
        "錄製「我是小小經濟學家」Podcast，介紹邊際效用遞減。",
        PENDING,
        None,
        ("audio", "小小經濟學家Podcast"),
    ),
]

PERFORMANCES: list[PerformancePlan] = [
    # demo-student, 114 (through create_performance in the current term).
    PerformancePlan(
        ME, RecordType.COMPETITION,
        {"competition_name": "全國高級中等學校商業類學生技藝競賽", "level": "3", "award": "佳作",
         "result_date": "2025-12-12", "event_category": "會計資訊職種", "participation": "1"},
        "代表學校參加全國商業技藝競賽會計資訊職種，賽前每天放學後練習兩小時，獲得佳作。",
        document=("award", "全國商業技藝競賽獎狀"), ticked=True,
    ),
    PerformancePlan(
        ME, RecordType.CERTIFICATE,
        {"certificate_name": "電腦軟體應用丙級技術士", "certificate_type": "1",
         "certificate_code": "11800", "obtained_date": "2025-10-24",
         "certificate_number": "示範-0000000", "group_or_level": "丙級"},
        "通過電腦軟體應用丙級技術士檢定，熟悉文書處理、試算表與簡報的實務操作。",
        document=("scan", "電腦軟體應用丙級證照"), ticked=True,
    ),
    PerformancePlan(
        ME, RecordType.SERVICE,
        {"service_name": "社區志工：獨居長者送餐與陪伴", "organisation": "歷程里社區發展協會",
         "start_date": "2025-09-06", "end_date": "2025-12-20", "hours": "24.0"},
        "每月兩個週六到社區協會協助送餐給獨居長者，學會傾聽與耐心溝通。",
        document=("photo", "社區送餐服務照片"), ticked=True,
    ),
    PerformancePlan(
        ME, RecordType.FLEXIBLE,
        {"category": "1", "content_title": "自主學習：用 Python 分析零用錢收支",
         "offering_unit": "教務處", "periods_per_week": "2", "weeks": "9"},
        "彈性學習時間自主學習，自學 Python 與 pandas，分析自己半年的零用錢收支。",
        document=("report", "自主學習成果報告"),
    ),
    PerformancePlan(
        ME, RecordType.WORKS,
        {"name": "校園微電影《放學後》", "work_date": "2025-11-28"},
        "與同學合作拍攝校園微電影，負責剪輯與配樂，完整影片放在外部平臺。",
        media=("video", "放學後_精華片段"),
        external_link="https://example.com/licheng-demo/after-school-film",
    ),
    PerformancePlan(
        ME, RecordType.OTHER,
        {"name": "校慶英語歌唱表演", "organiser": "英語科教學研究會",
         "start_date": "2025-11-15", "end_date": "2025-11-15", "hours": "3.0"},
        "在校慶英語歌唱表演擔任主唱，練習英文咬字並克服上台的緊張。",
        media=("audio", "校慶英語歌唱"),
    ),
    PerformancePlan(
        ME, RecordType.CADRE,
        {"unit_name": "畢業紀念冊編輯小組", "position_title": "總編輯", "cadre_level": "1",
         "start_date": "2025-09-01"},
        "帶領 12 位同學規劃畢業紀念冊版面與進度，協調各班照片收集。",
    ),
    # demo-student, 113 (past: created directly; 班長 matches the school's cadre record).
    PerformancePlan(
        ME, RecordType.CADRE,
        {"unit_name": "商二甲", "position_title": "班長", "cadre_level": "2",
         "start_date": "2024-08-01", "end_date": "2025-01-31"},
        "擔任班長，協助導師處理班務、主持班會並帶領全班參加校慶大隊接力。",
        term=(113, 1), ticked=True,
    ),
    PerformancePlan(
        ME, RecordType.SERVICE,
        {"service_name": "淨灘志工", "organisation": "歷程市環境保護局",
         "start_date": "2025-04-12", "end_date": "2025-04-12", "hours": "4.0"},
        "參加海岸淨灘活動，分類記錄垃圾種類，體會減塑的重要。",
        term=(113, 2), document=("photo", "淨灘活動照片"), ticked=True,
    ),
    # Classmates, 114.
    PerformancePlan(
        "s112002", RecordType.SERVICE,
        {"service_name": "圖書館志工", "organisation": "本校圖書館", "start_date": "2025-09-01",
         "end_date": "2025-12-31", "hours": "16.0"},
        "每週一次午休協助圖書館整理書架與借還書。",
        document=("photo", "圖書館志工"),
    ),
    PerformancePlan(
        "s112006", RecordType.COMPETITION,
        {"competition_name": "校內商業簡報競賽", "level": "1", "award": "第二名",
         "result_date": "2025-11-05", "participation": "2"},
        "與三位同學組隊參加校內商業簡報競賽，負責市場分析，獲得第二名。",
        document=("photo", "商業簡報競賽頒獎照片"), ticked=True,
    ),
    PerformancePlan(
        "s112007", RecordType.CERTIFICATE,
        {"certificate_name": "電腦軟體應用丙級技術士", "certificate_type": "1",
         "obtained_date": "2025-10-24", "group_or_level": "丙級"},
        "通過電腦軟體應用丙級技術士檢定，下學期準備挑戰乙級。",
        document=("scan", "電腦軟體應用丙級證照"),
    ),
]  # fmt: skip

CONSULTATIONS: list[ConsultationPlan] = [
    ConsultationPlan(
        ME,
        datetime.date(2025, 10, 15),
        ConsultationKind.INDIVIDUAL,
        "討論高三選修與升學方向：對商管群科系有興趣，建議把經濟學調查實作整理成課程學習成果。",
        ("consultation", "課程諮詢紀錄表"),
    ),
    *(
        ConsultationPlan(
            number,
            datetime.date(2025, 9, 24),
            ConsultationKind.GROUP,
            "班級團體諮詢：說明學習歷程檔案上傳、認證與勾選的時程，以及四技二專申請準備。",
        )
        for number in ("s112002", "s112003", "s112004")
    ),
]


# --- Writing --------------------------------------------------------------------------------


@dataclass
class _Context:
    school: School
    terms: dict[tuple[int, int], Term]
    students: dict[str, Student]
    files: DemoFiles = field(default_factory=DemoFiles)

    def course_record(self, plan: OutcomePlan) -> CourseRecord:
        return CourseRecord.objects.select_related(
            "offering__term", "offering__teacher__user", "student__user"
        ).get(
            student=self.students[plan.student_number],
            offering__term=self.terms[plan.term],
            offering__course__name=plan.subject,
        )


def _teacher_user(record: CourseRecord) -> User:
    teacher = record.offering.teacher
    if teacher is None or teacher.user is None:
        raise ValueError(f"{record.offering} has no teacher with a login")
    return teacher.user


def _student_user(student: Student) -> User:
    if student.user is None:
        raise ValueError(f"{student} has no login")
    return student.user


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TAIPEI)


def _past_tick_times(school_year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """(ticked_at, locked_at) of a past year: inside its tick window, then the school's
    submission a week after the window closed."""
    spec = next(
        s for s in window_specs() if s.term == (school_year, 2) and s.kind == WindowKind.TICK
    )
    return spec.opens_at + datetime.timedelta(days=40, hours=20), spec.closes_at + (
        datetime.timedelta(days=7, hours=10)
    )


def _next_slot(student: Student, school_year: int, kind: str) -> int:
    taken = set(
        TickSlot.objects.filter(student=student, school_year=school_year, kind=kind).values_list(
            "slot", flat=True
        )
    )
    return min(set(range(1, len(taken) + 2)) - taken)


def _lock_past_tick(student: Student, school_year: int, kind: str, **item: Any) -> None:
    if TickSlot.objects.filter(**item).exists():
        return
    ticked_at, locked_at = _past_tick_times(school_year)
    slot = TickSlot.objects.create(
        student=student,
        school_year=school_year,
        kind=kind,
        slot=_next_slot(student, school_year, kind),
        semester=item["outcome"].semester if kind == TickKind.OUTCOME else None,
        locked_at=locked_at,
        **item,
    )
    TickSlot.objects.filter(pk=slot.pk).update(ticked_at=ticked_at)


def _ensure_current_outcome(ctx: _Context, plan: OutcomePlan) -> None:
    """Upload (and send), then certify / return / tick, each through its action."""
    record = ctx.course_record(plan)
    student_user = _student_user(record.student)
    outcome = CourseOutcome.objects.filter(
        student=record.student, course_record=record, description=plan.description
    ).first()
    if outcome is None:
        outcome = upload_outcome(
            actor=student_user,
            course_record=record,
            description=plan.description,
            document=ctx.files.upload(plan.document),
            media=ctx.files.upload(plan.media),
            send=plan.state != DRAFT,
        )
    if outcome.status == OutcomeStatus.PENDING:
        if plan.state in (CERTIFIED, TICKED):
            (outcome,) = certify_outcomes(actor=_teacher_user(record), outcomes=[outcome])
        elif plan.state == RETURNED:
            outcome = return_outcome(
                actor=_teacher_user(record), outcome=outcome, reason=plan.return_reason
            )
    if (
        plan.state == TICKED
        and outcome.status == OutcomeStatus.CERTIFIED
        and not TickSlot.objects.filter(outcome=outcome).exists()
    ):
        tick_item(actor=student_user, item=outcome)


def _ensure_past_outcome(ctx: _Context, plan: OutcomePlan) -> None:
    """A certified (and, when planned, ticked and submitted) outcome of a closed term, created
    on the model: the actions rightly refuse closed windows."""
    record = ctx.course_record(plan)
    student = record.student
    outcome = CourseOutcome.objects.filter(
        student=student, course_record=record, description=plan.description
    ).first()
    if outcome is None:
        rules = RuleSet.for_year(plan.term[0])
        document, document_name = ctx.files.blob(plan.document, rules.document_rule)
        media, media_name = ctx.files.blob(plan.media, rules.media_rule)
        _, end = term_dates(*plan.term)
        sent_at = _at(end - datetime.timedelta(days=20), 20)
        outcome = CourseOutcome.objects.create(
            student=student,
            course_record=record,
            school_year=plan.term[0],
            semester=plan.term[1],
            description=plan.description,
            document_blob=document,
            document_name=document_name,
            media_blob=media,
            media_name=media_name,
            status=OutcomeStatus.CERTIFIED,
            sent_at=sent_at,
            certified_by=_teacher_user(record),
            certified_at=_at(end + datetime.timedelta(days=5), 10),
            certified_document_sha256=document.sha256 if document else "",
            certified_media_sha256=media.sha256 if media else "",
        )
        CourseOutcome.objects.filter(pk=outcome.pk).update(created_at=sent_at, updated_at=sent_at)
    if plan.state == TICKED:
        _lock_past_tick(student, plan.term[0], TickKind.OUTCOME, outcome=outcome)


def clean_details(record_type: str, raw: dict[str, str]) -> dict[str, Any]:
    """Details as the student's form would store them; raises ValueError when invalid (e.g.
    a code missing from the code lists)."""
    form = details_form_class(record_type)(data=raw)
    if not form.is_valid():
        raise ValueError(f"demo {record_type} details invalid: {form.errors.as_json()}")
    return details_to_json(record_type, form.cleaned_data)


def _ensure_performance(ctx: _Context, plan: PerformancePlan) -> None:
    student = ctx.students[plan.student_number]
    performance = Performance.objects.filter(
        student=student, record_type=plan.record_type, description=plan.description
    ).first()
    details = clean_details(plan.record_type, plan.details)
    past = plan.term != CURRENT_TERM
    if performance is None and not past:
        performance = create_performance(
            actor=_student_user(student),
            student=student,
            record_type=plan.record_type,
            details=details,
            description=plan.description,
            external_link=plan.external_link,
            document=ctx.files.upload(plan.document),
            media=ctx.files.upload(plan.media),
        )
    elif performance is None:
        rules = RuleSet.for_year(plan.term[0])
        document, document_name = ctx.files.blob(plan.document, rules.document_rule)
        media, media_name = ctx.files.blob(plan.media, rules.media_rule)
        performance = Performance.objects.create(
            student=student,
            record_type=plan.record_type,
            school_year=plan.term[0],
            term=ctx.terms[plan.term],
            title=title_of(plan.record_type, details),
            details=details,
            description=plan.description,
            external_link=plan.external_link,
            document_blob=document,
            document_name=document_name,
            media_blob=media,
            media_name=media_name,
        )
        _, end = term_dates(*plan.term)
        created = _at(end - datetime.timedelta(days=14), 19)
        Performance.objects.filter(pk=performance.pk).update(created_at=created, updated_at=created)
    if not plan.ticked or TickSlot.objects.filter(performance=performance).exists():
        return
    if past:
        _lock_past_tick(student, plan.term[0], TickKind.PERFORMANCE, performance=performance)
    else:
        tick_item(actor=_student_user(student), item=performance)


def _ensure_consultation(ctx: _Context, consultant: User, plan: ConsultationPlan) -> None:
    student = ctx.students[plan.student_number]
    if ConsultationRecord.objects.filter(
        student=student, date=plan.date, description=plan.description
    ).exists():
        return
    create_consultation_record(
        actor=consultant,
        student=student,
        term=ctx.terms[CURRENT_TERM],
        date=plan.date,
        kind=plan.kind,
        description=plan.description,
        attachment=ctx.files.upload(plan.attachment),
    )


def count_portfolio_rows(school: School | None) -> dict[str, int]:
    """Row counts of the demo school's portfolio data, by Chinese label."""
    if school is None:
        return {}
    outcomes = CourseOutcome.objects.filter(student__school=school)
    performances = Performance.objects.filter(student__school=school)
    consultations = ConsultationRecord.objects.filter(student__school=school)
    blob_ids = (
        set(outcomes.values_list("document_blob", flat=True))
        | set(outcomes.values_list("media_blob", flat=True))
        | set(performances.values_list("document_blob", flat=True))
        | set(performances.values_list("media_blob", flat=True))
        | set(consultations.values_list("attachment_blob", flat=True))
    ) - {None}
    return {
        "期程": Window.objects.filter(term__school=school).count(),
        "課程學習成果": outcomes.count(),
        **{
            f"　{OutcomeStatus(status).label}": outcomes.filter(status=status).count()
            for status in OutcomeStatus.values
        },
        "多元表現": performances.count(),
        "勾選": TickSlot.objects.filter(student__school=school).count(),
        "課程諮詢紀錄": consultations.count(),
        "檔案內容": len(blob_ids),
    }


def load_demo_portfolios(stdout: Writer | None = None) -> dict[str, int]:
    """Create (or complete) the demo school's windows and portfolio items; safe to run again.

    Needs the demo school (:func:`schools.demo.load_demo_school`). Writes in one transaction;
    files are stored before their rows, so a failed run may leave unreferenced blobs for
    ``sweep_blobs``. Returns :func:`count_portfolio_rows` after the run.
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    school = School.objects.get(code=SCHOOL_CODE)
    numbers = {
        *(p.student_number for p in OUTCOMES),
        *(p.student_number for p in PERFORMANCES),
        *(p.student_number for p in CONSULTATIONS),
    }
    ctx = _Context(
        school=school,
        terms={(t.school_year, t.semester): t for t in Term.objects.filter(school=school)},
        students={
            s.student_number: s
            for s in Student.objects.select_related("school", "user").filter(
                school=school, student_number__in=numbers
            )
        },
    )
    registrar = User.objects.get(username=REGISTRAR_USERNAME)
    consultant = Teacher.objects.select_related("user").get(
        user__username=CONSULTANT_USERNAME, school=school
    )
    if consultant.user is None:
        raise ValueError("demo-consultant has no login")
    with transaction.atomic():
        _ensure_windows(registrar, ctx.terms)
        say(f"期程：{len(window_specs())} 個（114-1 開放至 2027/07/31）")
        for outcome_plan in OUTCOMES:
            if outcome_plan.term == CURRENT_TERM:
                _ensure_current_outcome(ctx, outcome_plan)
            else:
                _ensure_past_outcome(ctx, outcome_plan)
        say(f"課程學習成果：{len(OUTCOMES)} 件")
        for performance_plan in PERFORMANCES:
            _ensure_performance(ctx, performance_plan)
        say(f"多元表現：{len(PERFORMANCES)} 筆")
        for consultation_plan in CONSULTATIONS:
            _ensure_consultation(ctx, consultant.user, consultation_plan)
        say(f"課程諮詢紀錄：{len(CONSULTATIONS)} 筆")
    return count_portfolio_rows(school)
