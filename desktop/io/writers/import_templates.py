"""Blank import workbooks: the header row the readers recognise, a note per column, and
data validation where it helps a clerk fill them in correctly."""

from __future__ import annotations

from pathlib import Path

from desktop.io.headers import CUSTOMERS, LEDGER, RECEIPTS, REQUIRED
from desktop.io.writers.xlsx import Formats, new_workbook

YES_NO = ["是", "否"]
# field -> (header, note, validation)
COLUMNS: dict[str, list[tuple[str, str, str, dict | None]]] = {
    CUSTOMERS: [
        ("customer_id", "客户编号", "必填。每个客户唯一；重复的编号会被列为错误且不评级。", None),
        ("name", "客户名称", "必填。销售明细只有客户名称时按名称精确匹配。", None),
        ("credit_code", "统一社会信用代码", "18位，按 GB 32100-2015 校验。有效代码+营业执照视同税务登记证和组织机构代码证齐全（三证合一）。",
         {"validate": "length", "criteria": "==", "value": 18, "error_message": "统一社会信用代码应为18位"}),
        ("salesperson", "业务员", "负责该客户的业务员。", None),
        ("sales_manager", "销售部经理", "审批该客户的销售部经理；审批表可按经理分册。", None),
        ("group", "所属集团", "同一集团的客户填相同的集团名称（全角半角、空格不影响），可空。同属一个集团的客户合并看风险："
         "一家被强制评为C级，其他成员最高评为B级；集团可授信额度合计不超过全部客户合计的一定比例（信用政策设定，默认20%）。", None),
        ("controller", "实际控制人", "可空。实际控制人相同的客户视同一个集团。", None),
        ("first_trade_date", "首次合作日期", "日期。为空时取最早的开票日期。",
         {"validate": "date", "criteria": ">", "value": "1900-01-01", "error_message": "请输入日期"}),
        ("registered_capital", "注册资本(万元)", "单位以表头为准：万元或元。",
         {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "请输入非负数"}),
        ("agreement", "年度合作协议", "是/否：是否签订年度合作协议。", {"validate": "list", "source": YES_NO}),
        ("license", "营业执照", "是/否：营业执照是否在档。", {"validate": "list", "source": YES_NO}),
        ("tax_registration", "税务登记证", "是/否：税务登记证是否在档（三证合一可空）。", {"validate": "list", "source": YES_NO}),
        ("org_code", "组织机构代码证", "是/否：组织机构代码证是否在档（三证合一可空）。", {"validate": "list", "source": YES_NO}),
        ("operating_status", "经营状况", "良好/正常、一般、不良/较差/亏损。", {"validate": "list",
                                                                  "source": ["良好", "正常", "一般", "不良", "较差", "亏损"]}),
        ("revenue_trend", "营业额趋势", "增长、平稳、下滑、持续下滑（持续下滑强制评为C级）。",
         {"validate": "list", "source": ["增长", "平稳", "下滑", "持续下滑"]}),
        ("sued_by_suppliers", "被其他供应商起诉", "是/否：是否因付款被其他供应商起诉（是则强制评为C级）。",
         {"validate": "list", "source": YES_NO}),
        ("total_assets", "资产总额(万元)", "最近一期财务报表。", {"validate": "decimal", "criteria": ">=", "value": 0}),
        ("total_liabilities", "负债总额(万元)", "最近一期财务报表。", {"validate": "decimal", "criteria": ">=", "value": 0}),
        ("current_assets", "流动资产(万元)", "最近一期财务报表。", {"validate": "decimal", "criteria": ">=", "value": 0}),
        ("current_liabilities", "流动负债(万元)", "最近一期财务报表。", {"validate": "decimal", "criteria": ">=", "value": 0}),
        ("current_term_days", "现行账期(天)", "销售明细没有到期日和账期时，用它推算到期日。",
         {"validate": "integer", "criteria": ">=", "value": 0}),
        ("requested_term_days", "申请账期(天)", "业务员申请的账期；为空则按建议账期。超过90天需走特殊付款期限申请。",
         {"validate": "integer", "criteria": ">=", "value": 0}),
        ("requested_limit", "申请额度(元)", "业务员申请的信用额度；为空则按可授信额度。",
         {"validate": "decimal", "criteria": ">=", "value": 0}),
        ("request_reason", "申请理由", "申请账期或额度超出政策时必须填写理由。", None),
    ],
    LEDGER: [
        ("customer_id", "客户编号", "与客户信用资料的客户编号一致；为空时按客户名称匹配。", None),
        ("customer_name", "客户名称", "客户编号为空时按名称精确匹配。", None),
        ("invoice_no", "发票号码", "订单/发票号；同一号码只计一笔订单。", None),
        ("invoice_date", "开票日期", "必填。日期。", {"validate": "date", "criteria": ">", "value": "1900-01-01"}),
        ("amount", "金额(元)", "必填。负数为红字冲销（贷项），减少销售额，不计订单数。", {"validate": "decimal", "criteria": "between",
                                                                  "minimum": -1e12, "maximum": 1e12}),
        ("due_date", "到期日", "为空时：开票日期+账期；再为空：+客户现行账期；再为空：开票日期。",
         {"validate": "date", "criteria": ">", "value": "1900-01-01"}),
        ("term_days", "账期(天)", "该笔的账期天数。", {"validate": "integer", "criteria": ">=", "value": 0}),
        ("paid_date", "回款日期", "回款日期；评估基准日之后的回款视为基准日未付。",
         {"validate": "date", "criteria": ">", "value": "1900-01-01"}),
        ("paid_amount", "回款金额", "已回款金额；有日期无金额视为全额回款。", {"validate": "decimal", "criteria": ">=", "value": 0}),
    ],
    RECEIPTS: [
        ("customer_id", "客户编号", "与客户信用资料的客户编号一致。", None),
        ("customer_name", "客户名称", "客户编号为空时按名称精确匹配。", None),
        ("date", "回款日期", "必填。按先进先出冲抵：到期日最早的发票先冲。", {"validate": "date", "criteria": ">", "value": "1900-01-01"}),
        ("amount", "回款金额", "必填。", {"validate": "decimal", "criteria": ">", "value": 0}),
    ],
}
TITLES = {CUSTOMERS: ("客户信用资料", "客户信用资料模板.xlsx"), LEDGER: ("销售明细", "销售回款明细模板.xlsx"),
          RECEIPTS: ("回款明细", "回款明细模板.xlsx")}
DATA_ROWS = 5000


def write_import_template(kind: str, path: Path) -> None:
    sheet, _ = TITLES[kind]
    wb = new_workbook(str(path))
    fm = Formats(wb)
    required = {f for group in REQUIRED[kind] for f in group}
    req_fmt = wb.add_format({"font_name": "等线", "font_size": 10, "bold": True, "bg_color": "#FCE4D6", "border": 1,
                             "text_wrap": True, "align": "center", "valign": "vcenter"})
    date_fmt = wb.add_format({"font_name": "等线", "font_size": 10, "num_format": "yyyy-mm-dd"})
    text_fmt = wb.add_format({"font_name": "等线", "font_size": 10, "num_format": "@"})
    ws = wb.add_worksheet(sheet)
    for c, (fld, header, note, validation) in enumerate(COLUMNS[kind]):
        ws.write_string(0, c, header, req_fmt if fld in required else fm.header)
        ws.write_comment(0, c, note, {"x_scale": 2, "y_scale": 1.5, "font_name": "等线"})
        width = max(10, min(24, len(header) * 2 + 2))
        col_fmt = date_fmt if "date" in fld else (text_fmt if fld in ("customer_id", "credit_code", "invoice_no")
                                                  else None)
        ws.set_column(c, c, width, col_fmt)
        if validation:
            opts = {"input_title": header[:32], "input_message": note[:255], "ignore_blank": True, **validation}
            opts.setdefault("error_type", "warning")
            ws.data_validation(1, c, DATA_ROWS, c, opts)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    wb.close()


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in (CUSTOMERS, LEDGER, RECEIPTS):
        path = folder / TITLES[kind][1]
        write_import_template(kind, path)
        paths.append(path)
    return paths
