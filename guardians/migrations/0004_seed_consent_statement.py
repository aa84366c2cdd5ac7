"""Seed version 1 of the personal-data consent statement (個資使用聲明), the issue item 3.

Written for this platform under the Personal Data Protection Act (個人資料保護法) Art. 8
(notice at collection): who collects, purposes, categories, period, area, recipients, use,
the data subject's Art. 3 rights and what happens if data are not provided.
"""

import datetime

from django.db import migrations

TITLE = "歷程學習歷程檔案平臺　親子綁定個人資料蒐集、處理及利用告知暨同意書"

BODY = """\
歡迎使用「歷程 Licheng 學習歷程檔案平臺」（以下稱「本平臺」）的親子綁定服務。本平臺由學生就讀之高級中等學校（以下稱「學校」）設置及管理；受學校委託維運本平臺之廠商，依個人資料保護法（以下稱「個資法」）第四條視同學校。依個資法第八條第一項規定，於蒐集您的個人資料前，告知下列事項，請您詳閱：

一、蒐集機關：學生就讀之學校（由學生之導師審核本申請）。

二、蒐集目的：
（一）確認申請人與學生之法定代理人或監護人關係，辦理親子帳號綁定、審核、解除綁定及帳號管理（特定目的：〇六九 契約、類似契約或其他法律關係事務；一〇九 教育或訓練行政；一三六 資（通）訊與資料庫管理）。
（二）使已綁定之家長得以唯讀方式檢視學生之學習歷程檔案、出缺勤、獎懲等資料，並寄送審核結果、帳號設定及與學生學習相關之通知。
（三）資訊安全稽核及法令規定之紀錄保存（特定目的：一〇四 帳務管理及債權交易業務以外之稽核事項；一五七 調查、統計與研究分析，僅限去識別化之統計）。

三、個人資料類別：
（一）C001 辨識個人者：姓名、電子郵件、行動電話或市話號碼、電子簽名。
（二）C003 政府資料中之辨識者：您的身分證統一編號（或居留證統一證號），以及您所輸入之學生身分證統一編號。
（三）C021 家庭情形：您與學生之關係（父親、母親、祖父、祖母、外祖父、外祖母或其他監護人）。
（四）系統紀錄：申請時間、來源 IP 位址、驗證紀錄及審核紀錄。

四、利用期間：自您同意之日起，至親子綁定解除或學生畢業、轉出、休學後一年止；申請經退回或取消者，保存至退回或取消後一年止。稽核紀錄依法令規定保存至少五年。期間屆滿後，本平臺將主動刪除或停止利用您的個人資料，並留存刪除紀錄。

五、利用地區：中華民國境內（本平臺之伺服器及備份皆位於臺灣）。

六、利用對象：學校（含學生之導師、註冊組及教務處承辦人員）、受學校委託維運本平臺之廠商，以及依法令規定得請求提供之機關。本平臺不會將您的個人資料提供予其他第三人作行銷使用。

七、利用方式：以電子方式儲存及處理，並於審核時提供導師檢視。您的身分證統一編號於所有畫面、電子郵件、紀錄及申請書中皆以遮罩方式呈現（例如 A123****89），僅於核對身分或產生初始密碼等必要作業時使用完整號碼。驗證碼僅以雜湊值儲存。

八、您的權利：依個資法第三條，您得就您的個人資料行使下列權利：（一）查詢或請求閱覽；（二）請求製給複製本；（三）請求補充或更正；（四）請求停止蒐集、處理或利用；（五）請求刪除。您可向學校註冊組或教務處提出請求，學校將依個資法第十三條規定期限內處理。請求停止利用或刪除時，親子綁定將一併解除。

九、不提供之影響：您可自由選擇是否提供個人資料；若您不提供或提供不完整，學校將無法核對您與學生之關係，無法完成親子綁定。

十、資料正確性：請確認所填資料正確。填寫之電子郵件將作為您的登入帳號及審核結果通知地址；若冒用他人身分或提供不實資料，須自負相關法律責任，學校得退回申請或解除綁定。

十一、電子簽名：您於本平臺簽署之電子簽名，依電子簽章法具有與書面簽名相同之效力，並列印於親子綁定申請書。

十二、聲明之修訂：本聲明如有修訂，將以新版本公告於本平臺；已完成之申請以您同意時之版本為準，您同意之版本及時間將記錄於申請資料中。

勾選下方「本人已詳閱並同意以上條款聲明」，即表示您已閱讀、瞭解並同意學校依上述方式蒐集、處理及利用您的個人資料。若不同意，請點選「不同意並退出」。
"""


def seed(apps, schema_editor):
    ConsentStatement = apps.get_model("guardians", "ConsentStatement")
    ConsentStatement.objects.get_or_create(
        version=1,
        defaults={
            "title": TITLE,
            "body": BODY,
            "published_at": datetime.datetime(2025, 8, 1, tzinfo=datetime.UTC),
        },
    )


def unseed(apps, schema_editor):
    ConsentStatement = apps.get_model("guardians", "ConsentStatement")
    ConsentStatement.objects.filter(version=1, applications__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("guardians", "0003_guardianship_code_unique")]

    operations = [migrations.RunPython(seed, unseed)]
