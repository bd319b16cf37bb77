"""Words in the workbooks we write, in Chinese (default) and English."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from desktop.core.policy import parse_interval
from desktop.messages import text as message

_LABELS: dict[str, tuple[str, str]] = {
    # sheets
    "sheet.summary": ("汇总", "Summary"),
    "sheet.results": ("评级结果", "Results"),
    "sheet.aging": ("应收账龄", "AR aging"),
    "sheet.exceptions": ("异常清单", "Exceptions"),
    "sheet.audit": ("审计信息", "Audit"),
    # summary
    "title.summary": ("客户信用评级汇总", "Customer credit rating summary"),
    "run_id": ("运行编号", "Run ID"),
    "register_head": ("评级登记簿记录(序号 哈希)", "Rating register entry (no. hash)"),
    "as_of": ("评估基准日", "Assessment date"),
    "run_time": ("运行时间", "Run time"),
    "operator": ("操作人", "Operator"),
    "policy": ("信用政策", "Credit policy"),
    "customers_rated": ("已评级客户数", "Customers rated"),
    "customers_not_rated": ("未评级客户行(见异常清单)", "Customer rows not rated (see Exceptions)"),
    "exceptions_count": ("异常条数", "Exceptions"),
    "level_counts": ("各等级客户数", "Customers per level"),
    "level": ("等级", "Level"),
    "count": ("客户数", "Customers"),
    "open_ar_total": ("应收账款余额合计(元)", "Open AR total (CNY)"),
    "overdue_total": ("逾期余额合计(元)", "Overdue total (CNY)"),
    "routes": ("审批路径", "Approval routes"),
    "route.none": ("无需审批", "None"),
    "route.sales_manager": ("销售部经理审批", "Sales manager"),
    "route.cfo_special": ("特殊付款期限申请(财务总监)", "Special term application (CFO)"),
    "exceeds_count": ("超出政策的申请", "Requests exceeding policy"),
    "export_scope": ("导出范围", "Export scope"),
    "export_scope.filtered": ("仅筛选结果：本次评级 {0} 个客户中的 {1} 个", "Filtered view only: {1} of the {0} customers rated"),
    "export_filter": ("筛选条件", "Filter"),
    "chart.title": ("客户信用等级分布", "Customers per credit level"),
    # results columns
    "customer_id": ("客户编号", "Customer ID"),
    "name": ("客户名称", "Customer name"),
    "salesperson": ("业务员", "Salesperson"),
    "group": ("所属集团", "Group"),
    "total": ("总分", "Total score"),
    "raw_level": ("系统等级", "System level"),
    "overrides": ("强制C规则", "Force-C rules"),
    "caps": ("封顶规则", "Cap rules"),
    "final_level": ("最终等级", "Final level"),
    "base_term": ("等级基准账期(天)", "Level base term (days)"),
    "term_rules": ("账期规则", "Term rules"),
    "recommended_term": ("建议账期(天)", "Recommended term (days)"),
    "eligible_limit": ("可授信额度(元)", "Eligible limit (CNY)"),
    "requested_term": ("申请账期(天)", "Requested term (days)"),
    "requested_limit": ("申请额度(元)", "Requested limit (CNY)"),
    "request_given": ("申请来源", "Request source"),
    "request.given": ("业务员申请", "Salesperson"),
    "request.default": ("默认(按建议)", "Default (recommended)"),
    "approval_route": ("审批路径", "Approval route"),
    "exceeds_policy": ("超出政策", "Exceeds policy"),
    "next_review": ("下次复评日", "Next review"),
    "orders": ("订单数", "Orders"),
    "sales_12m": ("近12个月销售额(元)", "Sales 12m (CNY)"),
    "sales_prev_12m": ("前12个月销售额(元)", "Sales prior 12m (CNY)"),
    "sales_growth": ("销售增长率", "Sales growth"),
    "avg_days_late": ("加权平均逾期天数", "Avg days late (weighted)"),
    "cooperation_years": ("合作年限(年)", "Cooperation years"),
    "first_trade_date": ("首次合作日期", "First trade date"),
    "debt_ratio": ("资产负债率", "Debt ratio"),
    "current_ratio": ("流动比率", "Current ratio"),
    "registered_capital": ("注册资本(万元)", "Registered capital (10k CNY)"),
    "documents_missing": ("缺少资料", "Documents missing"),
    "operating_status": ("经营状况", "Operating status"),
    "open_ar": ("应收余额(元)", "Open AR (CNY)"),
    "overdue_balance": ("逾期余额(元)", "Overdue (CNY)"),
    "dso": ("应收周转天数DSO", "DSO (days)"),
    "points_suffix": ("得分", "points"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "none": ("无", "None"),
    "missing": ("缺失", "missing"),
    "total_row": ("合计", "Total"),
    # aging
    "aging.not_due": ("未到期", "Not due"),
    "aging.days": ("逾期{}天", "{} days overdue"),
    "aging.over": ("逾期{}天以上", "Over {} days overdue"),
    # exceptions
    "file": ("文件", "File"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行号", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "problem": ("问题", "Problem"),
    "action": ("处理", "Action"),
    "severity": ("级别", "Severity"),
    "severity.error": ("错误(未使用)", "Error (not used)"),
    "severity.warning": ("警告(已使用)", "Warning (used)"),
    # audit
    "title.audit": ("审计信息：本工作簿的每个结论均可据此追溯与复算", "Audit: everything needed to trace and recompute this workbook"),
    "program_version": ("程序版本", "Program version"),
    "policy_file": ("政策文件", "Policy file"),
    "policy_name": ("政策名称", "Policy name"),
    "policy_version": ("政策版本", "Policy version"),
    "policy_sha256": ("政策文件SHA-256", "Policy file SHA-256"),
    "inputs": ("输入文件", "Input files"),
    "sha256": ("SHA-256", "SHA-256"),
    "kind": ("识别为", "Read as"),
    "kind.customers": ("客户信用资料", "Customers"),
    "kind.ledger": ("销售/回款明细", "Sales ledger"),
    "kind.receipts": ("回款明细", "Receipts"),
    "kind.ignored": ("未使用", "Not used"),
    "header_row": ("表头行", "Header row"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_used": ("使用行数", "Rows used"),
    "rows_rejected": ("拒绝行数", "Rows rejected"),
    "blank_rows": ("空行", "Blank rows"),
    "reconciles": ("读取=使用+拒绝", "Read = used + rejected"),
    "level_table": ("等级阈值(总分公式查表用)", "Level thresholds (used by the level formulas)"),
    "min_score": ("最低总分", "Minimum score"),
    "cap_level": ("封顶等级", "Cap level"),
    "band_table": ("评分标准(各项分档)", "Scorecard bands"),
    "item": ("评分项目", "Item"),
    "basis": ("依据", "Basis"),
    "max_points": ("满分", "Max points"),
    "band": ("分档", "Band"),
    "points": ("得分", "Points"),
    "rules_table": ("规则与参数", "Rules and parameters"),
    "parameter": ("参数", "Parameter"),
    "setting": ("取值", "Value"),
    "formula_note": ("评级结果表中的每个结论都是公式：各项得分=按上方评分标准表查该项数据(比率与平均数先四舍五入到{}位小数，"
                     "使恰在分档界限上的值落在界限上)；总分=九项得分之和；系统等级=按等级阈值表查总分；最终等级=有强制C规则则为最低等级，"
                     "否则有封顶规则且系统等级高于封顶等级时为封顶等级，否则为系统等级；基准账期、额度系数、复评月数按最终等级查等级表。"
                     "修改数据单元格后重新计算，结论随之变化。开关类规则按本表取值写入公式。",
                     "Every decision on the results sheet is a formula: item points = the item's data looked up "
                     "in the band table above (ratios and averages rounded to {} decimals first, so a value "
                     "exactly on a band edge is on it); total = sum of the nine item points; system level = "
                     "total looked up in the level table; final level = the lowest level if a force-C rule "
                     "fired, else the cap level if a cap rule fired and the system level is above it, else "
                     "the system level; base term, limit factor and review months are looked up by final "
                     "level. Edit a data cell and recalculate: the decisions follow. Switches are written "
                     "into the formulas as set in this table."),
    "limit_factor": ("额度系数", "Limit factor"),
    "level_name": ("等级名称", "Level name"),
    "review_months": ("复评间隔(月)", "Review interval (months)"),
    "lower_num": ("下限分子", "Lower bound numerator"),
    "lower_den": ("下限分母(0=无穷)", "Lower bound denominator (0 = infinite)"),
    "lower_in": ("含下限(1=是)", "Lower included (1=yes)"),
    "upper_num": ("上限分子", "Upper bound numerator"),
    "upper_den": ("上限分母(0=无穷)", "Upper bound denominator (0 = infinite)"),
    "upper_in": ("含上限(1=是)", "Upper included (1=yes)"),
    "exact.x:late_fen_days": ("精确比较:逾期金额×天数(分·天)", "Exact: amount x days late (fen-days)"),
    "exact.x:due_fen": ("精确比较:计入金额(分)", "Exact: amount counted (fen)"),
    "exact.x:cooperation_days": ("精确比较:合作天数×4", "Exact: days of cooperation x 4"),
    "exact.x:sales_fen": ("精确比较:近12个月销售额(分)", "Exact: sales 12m (fen)"),
    "exact.x:growth_fen": ("精确比较:销售增加额(分)", "Exact: sales increase (fen)"),
    "exact.x:prev_fen": ("精确比较:前12个月销售额(分)", "Exact: sales prior 12m (fen)"),
    "exact.x:debt_num": ("精确比较:负债总额(分)", "Exact: total liabilities (fen)"),
    "exact.x:debt_den": ("精确比较:资产总额(分)", "Exact: total assets (fen)"),
    "exact.x:current_num": ("精确比较:流动资产(分)", "Exact: current assets (fen)"),
    "exact.x:current_den": ("精确比较:流动负债(分)", "Exact: current liabilities (fen)"),
    "exact.x:capital_fen": ("精确比较:注册资本(分)", "Exact: registered capital (fen)"),
    "missing_band": ("无数据", "no data"),
    "any_value": ("任意值", "any value"),
    "formula_name": ("公式中的名称", "Name in formulas"),
    "due_invoices": ("计入及时性的发票数", "Invoices counted for timeliness"),
    "due_amount": ("计入金额(元)", "Amount counted (CNY)"),
    "late_amount_days": ("逾期金额×天数(元·天)", "Amount x days late (CNY-days)"),
    "first_trade_from": ("首次合作日期来源", "First trade date from"),
    "first_trade_given": ("首次合作日期(客户资料)", "First trade date (customer sheet)"),
    "first_invoice_date": ("最早发票日期", "Earliest invoice date"),
    "requested_term_given": ("业务员申请账期(天)", "Term requested by salesperson (days)"),
    "requested_limit_given": ("业务员申请额度(元)", "Limit requested by salesperson (CNY)"),
    "first_trade_from.sheet": ("客户资料", "customer sheet"),
    "first_trade_from.ledger": ("最早发票日期", "earliest invoice"),
    "revenue_trend": ("营业额趋势", "Revenue trend"),
    "sued_by_suppliers": ("被其他供应商起诉", "Sued by other suppliers"),
    "total_assets": ("资产总额(万元)", "Total assets (10k CNY)"),
    "total_liabilities": ("负债总额(万元)", "Total liabilities (10k CNY)"),
    "current_assets": ("流动资产(万元)", "Current assets (10k CNY)"),
    "current_liabilities": ("流动负债(万元)", "Current liabilities (10k CNY)"),
    "credit_code": ("统一社会信用代码", "Unified credit code"),
    "credit_code_valid": ("信用代码校验通过", "Credit code valid"),
    "three_in_one": ("三证合一适用", "Three-in-one applies"),
    "key_documents_missing": ("缺少关键资料数", "Key documents missing"),
    "documents_missing_count": ("缺少资料数", "Documents missing (count)"),
    "limit_note": ("可授信额度=近12个月销售额/12×(建议账期/30)×等级系数，向下取整到{}元。",
                   "Eligible limit = sales 12m / 12 x (recommended term / 30) x level factor, rounded "
                   "down to {} CNY."),
    # working papers (明细底稿)
    "sheet.detail_summary": ("客户汇总", "Customer totals"),
    "sheet.detail_lines": ("发票明细", "Invoice lines"),
    "sheet.detail_portions": ("回款分摊", "Payments"),
    "sheet.detail_receipts": ("回款核销", "Receipts applied"),
    "sheet.detail_notes": ("底稿说明", "Notes"),
    "title.detail": ("明细底稿：评级所用的每一笔发票、回款与核销", "Working papers: every invoice, payment and receipt the "
                     "rating used"),
    "line_no": ("明细序号", "Line no."),
    "customer_no": ("客户序号", "Customer no."),
    "source_row": ("源文件行号", "Row in the ledger file"),
    "invoice_no": ("发票号码", "Invoice no."),
    "invoice_date": ("开票日期", "Invoice date"),
    "due_date": ("到期日", "Due date"),
    "due_from": ("到期日来源", "Due date from"),
    "due_from.due_date": ("到期日列", "due date column"),
    "due_from.term_days": ("发票日+账期天数", "invoice date + term days"),
    "due_from.current_term": ("发票日+客户现行账期", "invoice date + customer's current term"),
    "due_from.invoice_date": ("发票日", "invoice date"),
    "line_amount": ("金额(元)", "Amount (CNY)"),
    "paid_by_as_of": ("截至基准日已回款(元)", "Paid by the assessment date (CNY)"),
    "open_at_as_of": ("基准日余额(元)", "Open at the assessment date (CNY)"),
    "days_past_due": ("余额逾期天数(负数为未到期)", "Days the balance is past due (negative: not yet due)"),
    "window": ("所属期间", "Period"),
    "window.12m": ("近12个月", "Last 12 months"),
    "window.prev": ("前12个月", "Prior 12 months"),
    "window.older": ("更早", "Earlier"),
    "first_of_order": ("订单首行(计入订单数)", "First line of its order (counted as an order)"),
    "counts_timeliness": ("计入及时性", "Counts for timeliness"),
    "timeliness_weight": ("及时性权重(元)", "Timeliness weight (CNY)"),
    "aging_bucket": ("余额账龄段", "Aging bucket of the balance"),
    "payment_date": ("回款日期", "Payment date"),
    "payment_amount": ("回款金额(元)", "Amount paid (CNY)"),
    "paid_from": ("回款来源", "Paid by"),
    "paid_from.ledger": ("明细行的回款列", "the ledger row's paid columns"),
    "paid_from.receipt": ("回款第{}笔(源文件第{}行)", "receipt {} (row {} of its file)"),
    "days_late": ("逾期天数(负数为提前)", "Days late (negative: early)"),
    "days_counted": ("计入天数", "Days counted"),
    "weight_days": ("金额×计入天数(元·天)", "Amount x days counted (CNY-days)"),
    "receipt_no": ("回款序号", "Receipt no."),
    "receipt_date": ("回款日期", "Receipt date"),
    "receipt_amount": ("回款金额(元)", "Receipt amount (CNY)"),
    "applied": ("已核销(元)", "Applied (CNY)"),
    "unapplied": ("未核销(元)", "Unapplied (CNY)"),
    "applied_to": ("核销至发票(先进先出：明细序号 发票号码 金额)", "Applied to invoices (FIFO: line, invoice no., amount)"),
    "no_invoice_no": ("(无发票号)", "(no invoice no.)"),
    "invoice_lines": ("发票行数", "Invoice lines"),
    "detail.window_12m": ("近12个月：开票日期在此区间(不含起点，含终点)", "Last 12 months: invoice dates in this range "
                          "(start excluded, end included)"),
    "detail.window_prev": ("前12个月：开票日期在此区间(不含起点，含终点)", "Prior 12 months: invoice dates in this range "
                           "(start excluded, end included)"),
    "detail.customers": ("本底稿包含的客户数", "Customers in these papers"),
    "detail.lines_total": ("明细合计(全部明细行)", "Total of every line"),
    "detail.check": ("核对：合计=明细合计", "Check: total = total of every line"),
    "detail.blocks_note": ("每个客户的公式汇总该客户在发票明细中连续的行段(按客户序号、明细序号排列，公式仍以客户序号为条件)。"
                           "如对发票明细重新排序，请先按明细序号排回；核对行出现✗即说明有明细行未计入其客户。",
                           "Each customer's formulas add up its own run of rows on the invoice line sheets (listed "
                           "by customer no., then line no.; the formulas still require the customer no.). Sort the "
                           "line sheets back by line no. after re-sorting them; a ✗ in the check row means some "
                           "line is not counted with its customer."),
    "detail.note": ("说明：发票明细为截至评估基准日(含)开票的每一行；回款日期晚于基准日的回款视为基准日未付。"
                    "到期日=到期日列，否则发票日+账期天数，否则发票日+客户现行账期，否则发票日。"
                    "回款明细按先进先出核销：到期日最早的发票在先，其次开票日期，其次行序。"
                    "计入及时性：到期日在近12个月内，或基准日已到期且仍有余额的发票(整张计入：其已付部分与未付部分)；"
                    "其权重=已付部分金额+基准日未付余额，金额×逾期天数=各已付部分金额×max(0,回款日-到期日)"
                    "+未付余额×(基准日-到期日)。加权平均逾期天数=金额×逾期天数之和/权重之和。"
                    "贷项(负数金额)计入销售额与应收余额(未到期段)，不计订单数、及时性与逾期余额。"
                    "客户汇总表每个数值都是对明细工作表的SUMIFS/COUNTIFS公式(按客户序号)，"
                    "应等于评级结果工作簿中同一客户的数值。",
                    "Notes: the invoice lines are every ledger row invoiced on or before the assessment date; a "
                    "payment dated after it counts as unpaid at that date. Due date = the due date column, else "
                    "invoice date + term days, else invoice date + the customer's current term, else the invoice "
                    "date. Receipts are applied first in, first out: earliest due date first, then invoice date, "
                    "then row order. Counted for timeliness: invoices due in the last 12 months, or due and still "
                    "open at the assessment date (counted whole: paid and unpaid parts); weight = the paid parts' "
                    "amounts + the balance open at that date; amount x days late = each paid part x max(0, paid "
                    "date - due date) + the open balance x (assessment date - due date). Average days late = "
                    "amount x days late / weight. Credit notes (negative amounts) count in sales and open AR (not "
                    "due), never in orders, timeliness or the overdue balance. Every figure on the customer totals "
                    "sheet is a SUMIFS/COUNTIFS formula over the line sheets (by customer no.) and equals the same "
                    "customer's figure in the results workbook."),
}

CODE_WORDS: dict[str, tuple[str, str]] = {
    "FORCE_C_TIMELINESS": ("付款及时性得分过低，强制C级", "timeliness points too low: forced to C"),
    "FORCE_C_OPERATING": ("经营状况不良，强制C级", "poor operating status: forced to C"),
    "FORCE_C_REVENUE_DECLINE": ("营业额持续下滑，强制C级", "sustained revenue decline: forced to C"),
    "FORCE_C_LITIGATION": ("被其他供应商起诉，强制C级", "sued by other suppliers: forced to C"),
    "CAP_A_NEW_CUSTOMER": ("新客户(订单少于3笔或合作不满1年)，最高A级", "new customer (few orders or < 1 year): at most A"),
    "CAP_A_DOCUMENTS": ("关键资料不全，最高A级", "key documents incomplete: at most A"),
    "TERM_NEW_CUSTOMER_CASH": ("新客户前3笔订单款到发货", "new customer: cash before delivery"),
    "TERM_NO_AGREEMENT": ("未签年度合作协议，不给账期", "no signed annual agreement: no credit terms"),
    "TERM_DOCUMENTS_INCOMPLETE": ("关键资料不全，不给账期", "key documents incomplete: no credit terms"),
}

FIELD_WORDS: dict[str, tuple[str, str]] = {
    "license": ("营业执照", "licence"), "tax_registration": ("税务登记证", "tax registration"),
    "org_code": ("组织机构代码证", "organisation code"), "agreement": ("年度合作协议", "annual agreement"),
    "good": ("良好", "good"), "fair": ("一般", "fair"), "poor": ("不良", "poor"),
    "growth": ("增长", "growth"), "stable": ("平稳", "stable"), "decline": ("下滑", "decline"),
    "sustained_decline": ("持续下滑", "sustained decline"),
}

BASIS_WORDS: dict[str, tuple[str, str]] = {
    "avg_days_late": ("加权平均逾期天数", "amount-weighted average days late"),
    "cooperation_years": ("合作年限(年)", "cooperation years"),
    "sales_12m": ("近12个月销售额(元)", "sales, last 12 months (CNY)"),
    "sales_growth": ("销售增长率", "sales growth"),
    "operating_status": ("经营状况", "operating status"),
    "debt_ratio": ("资产负债率", "debt ratio"),
    "current_ratio": ("流动比率", "current ratio"),
    "registered_capital": ("注册资本(万元)", "registered capital (10k CNY)"),
    "documents_missing": ("缺少资料数(三证合一后)", "documents missing (after three-in-one)"),
}

PARAMETER_WORDS: dict[str, tuple[str, str]] = {
    "rules.force_c.timeliness": ("付款及时性过低强制C", "force C on low timeliness"),
    "rules.force_c.timeliness_max_points": ("强制C的付款及时性得分上限", "timeliness points that force C (at most)"),
    "rules.force_c.operating_poor": ("经营状况不良强制C", "force C on poor operating status"),
    "rules.force_c.revenue_decline": ("营业额持续下滑强制C", "force C on sustained revenue decline"),
    "rules.force_c.litigation": ("被其他供应商起诉强制C", "force C when sued by other suppliers"),
    "rules.cap.level": ("封顶等级", "cap level"),
    "rules.cap.new_customer": ("新客户封顶", "cap new customers"),
    "rules.cap.new_customer_min_orders": ("非新客户最少订单数", "orders to be no longer new"),
    "rules.cap.new_customer_min_years": ("非新客户最少合作年数", "years to be no longer new"),
    "rules.cap.documents": ("关键资料不全封顶", "cap when key documents are incomplete"),
    "terms.new_customer_cash_orders": ("款到发货的前几笔订单数", "first orders on cash before delivery"),
    "terms.require_agreement": ("给账期须签年度协议", "terms need a signed annual agreement"),
    "terms.require_documents": ("给账期须关键资料齐全", "terms need complete key documents"),
    "limit.months_per_year": ("每年月数", "months per year"),
    "limit.days_per_month": ("每月天数", "days per month"),
    "limit.round_down_to": ("额度向下取整到(元)", "limit rounded down to (CNY)"),
    "limit.factor_scale": ("额度系数放大倍数(公式按整数计算用)", "factor scale (for whole-number arithmetic)"),
    "approval.sales_manager_max_days": ("销售部经理可批最长账期(天)", "longest term a sales manager approves (days)"),
    "aging.bucket_upper_days": ("账龄分段上限(天)", "aging bucket upper bounds (days)"),
    "metrics.days_per_year": ("每年天数(合作年限用)", "days per year (cooperation years)"),
    "metrics.days_per_year.numerator": ("每年天数的分子(精确比较用)", "days per year, numerator (exact comparison)"),
    "metrics.days_per_year.denominator": ("每年天数的分母(精确比较用)", "days per year, denominator (exact comparison)"),
}


# Approval forms and their read-back: every text a sales manager, clerk or auditor reads on a
# form, in the decisions workbook and in the window's approvals dialog. Problems are codes with
# values ({0}, {1}, ...); a value that is itself a code (status.*, role.*, field.*) is worded too.
_LABELS.update({
    "form.form_id": ("表单编号", "Form ID"),
    "form.basis_digest": ("数据依据摘要(登记簿)", "Basis digest (register)"),
    "form.seal_keyed": ("防篡改校验码(HMAC)", "Seal (HMAC-SHA256)"),
    "form.seal_plain": ("校验码(未登记)", "Digest (not registered)"),
    "form.fill_yellow": ("本表灰色区域为系统生成，已锁定；请仅填写黄色区域。",
                         "Grey cells are generated and locked; fill in the yellow cells only."),
    "role.salesperson": ("业务员", "salesperson"),
    "role.manager": ("销售部经理", "sales manager"),
    "role.finance": ("财务部", "finance"),
    "role.cfo": ("财务总监", "CFO"),
    "status.approved": ("已批准", "approved"),
    "status.rejected": ("不同意", "rejected"),
    "status.returned": ("退回修改", "returned for changes"),
    "status.pending": ("待审批", "pending"),
    "status.invalid": ("表单有误", "form has errors"),
    "status.conflict": ("决定冲突(未采用)", "conflict (not applied)"),
    "severity.note": ("备注", "Note"),
    "severity.approval_error": ("错误(未采用)", "Error (not applied)"),
    "severity.approval_warning": ("警告(已采用)", "Warning (applied)"),
    "approval.not_a_decision": ("审批结论“{0}”不在可选项中（{1}）", "decision {0!r} is not one of {1}"),
    "approval.not_a_date": ("“{0}”不是日期", "not a date: {0!r}"),
    "approval.date_before_run": ("日期 {0} 早于本次评级（{1}）", "dated {0}, before the rating run ({1})"),
    "approval.date_after_today": ("日期 {0} 晚于读取日（{1}）", "dated {0}, after the day it is read back ({1})"),
    "field.manager_date": ("销售部经理审批日期", "the sales manager's date"),
    "field.cfo_date": ("财务总监审批日期", "the CFO's date"),
    "field.finance_filing_date": ("财务部备案日期", "the filing date"),
    "field.policy_sha256": ("政策文件SHA-256", "the policy file's SHA-256"),
    "approval.date_order": ("{0}（{1}）早于{2}（{3}）", "{0} ({1}) is before {2} ({3})"),
    "approval.two_roles": ("{0} 同时以{1}和{2}两个身份签字", "{0} signs in two roles: {1} and {2}"),
    "approval.no_signer": ("有审批结论但没有签字人", "decision without a signer"),
    "approval.no_date": ("有审批结论但没有日期", "decision without a date"),
    "approval.term_not_whole": ("核定账期“{0}”不是整数天数", "approved term {0!r} is not a whole number of days"),
    "approval.limit_not_amount": ("核定额度“{0}”不是非负金额", "approved limit {0!r} is not a non-negative amount"),
    "approval.level_not_in_list": ("核定等级“{0}”不在可选项中（{1}）", "final level {0!r} is not one of {1}"),
    "approval.no_reason.term_above_request": ("核定账期 {0} 天高于申请的 {1} 天，但没有书面理由",
                                              "approved term of {0} days is above the {1} requested, without a written reason"),
    "approval.no_reason.limit_above_request": ("核定额度 {0:,.2f} 元高于申请的 {1:,.2f} 元，但没有书面理由",
                                               "approved limit {0:,.2f} is above the {1:,.2f} requested, without a written reason"),
    "approval.no_reason.term_above_policy": ("核定账期 {0} 天高于政策建议的 {1} 天，但没有书面理由",
                                             "approved term of {0} days is above the policy's {1}, without a written reason"),
    "approval.no_reason.limit_above_policy": ("核定额度 {0:,.2f} 元高于可授信额度 {1:,.2f} 元，但没有书面理由",
                                              "approved limit {0:,.2f} is above the eligible {1:,.2f}, without a written reason"),
    "approval.raised_level_needs_cfo": ("核定等级 {0} 高于系统评定等级 {1}：需要书面理由和财务总监审批（申请表第七部分）",
                                        "final level {0} is above the system's level {1}: needs a written reason and "
                                        "the CFO's approval (part 7 of the application)"),
    "approval.forced_c_terms_need_cfo": ("强制C级客户（{1}）给予 {0} 天账期：需要书面理由和财务总监审批（申请表第七部分）",
                                         "{0} days of credit for a customer forced to C ({1}): needs a written reason "
                                         "and the CFO's approval (part 7 of the application)"),
    "approval.c_level_terms": ("对 {1} 级客户给予 {0} 天账期", "credit terms ({0} days) approved for a {1}-level customer"),
    "approval.term_needs_cfo": ("{0} 天账期需要财务总监在《客户特殊付款期限申请表》上审批，该表缺失或未审批",
                                "a term of {0} days needs the CFO's approval on the special payment-term application, "
                                "which is missing or not decided"),
    "approval.not_filed": ("财务总监已批准，但财务部尚未备案（无备案日期）", "approved by the CFO but not yet filed by finance (no filing date)"),
    "approval.another_run": ("表单来自另一次评级（{0}），本次核对的是 {1}", "form from another run ({0}); the forms are checked against run {1}"),
    "approval.customer_not_in_run": ("客户 {0} 不在评级 {1} 中", "customer {0} is not in run {1}"),
    "approval.fact_changed": ("锁定内容“{0}”被修改：表上为 {1}，登记为 {2}",
                              "locked fact {0} changed: the form shows {1!r}, the run recorded {2!r}"),
    "approval.basis_changed": ("数据依据摘要与登记簿不符：表单不是本次评级生成的", "the basis digest differs from the register's: the form was not written by this run"),
    "approval.seal_broken": ("校验码不符：锁定内容被修改过（或校验码被重新计算）", "the seal does not match: locked facts were changed (or the digest recomputed)"),
    "approval.seal_unverifiable": ("评级 {0} 不在本登记簿中，表单的校验码无法核对；请用记录该次评级的登记簿读取",
                                   "run {0} is not in this register, so the form's seal cannot be checked; read it back "
                                   "with the register that recorded the run"),
    "approval.not_in_register": ("评级 {0} 不在登记簿中：仅按评级结果工作簿核对，登记簿无法确认",
                                 "run {0} is not in the rating register: checked against the results workbook only, "
                                 "which the register cannot confirm"),
    "approval.missing_application": ("缺少表单：客户 {0} 没有《客户信用等级评定申请表》（申请账期 {1} 天）",
                                     "missing form: no credit level assessment application for customer {0} "
                                     "(requested {1} days)"),
    "approval.missing_special": ("缺少表单：客户 {0} 没有《客户特殊付款期限申请表》（申请账期 {1} 天）",
                                 "missing form: no special payment-term application for customer {0} (requested {1} days)"),
    "approval.no_form_of_run": ("所读文件中没有评级 {0} 的任何表单（应有 {1} 份）", "none of the files read holds a form of run {0} ({1} expected)"),
    "approval.copies_conflict": ("同一表单的多份副本决定不同：本份为 {0}；另见 {1}。均未采用，请只读取正确的一份，或指定以哪个文件为准",
                                 "copies of this form disagree: this one says {0}; also {1}. None applied: read back the right "
                                 "copy only, or say which file prevails"),
    "approval.copy_overruled": ("与 {0} 的副本不同，按指定以 {0} 为准", "differs from the copy in {0}, which was chosen to prevail"),
    "approval.copy_blank": ("该副本未填写，采用 {0} 中已填写的副本", "this copy is blank; the filled copy in {0} is used"),
    "approval.copy_duplicate": ("与 {0}!{1} 的副本相同，只计一次", "same as the copy in {0}!{1}; counted once"),
    "approval.duplicate_of_recorded": ("客户 {0} 的同一决定已于 {3} 从 {1} 读取并登记（审批日期 {2}），不再重复登记",
                                       "customer {0}: the same decision was read back from {1} on {3} (decided {2}); "
                                       "not recorded again"),
    "approval.conflict_with_recorded": ("客户 {0} 的决定冲突：已登记 {1}（{2}，{3}），本次读到 {4}（{5}，{6}）。未采用，请处理冲突",
                                        "customer {0}: conflicting decisions: recorded {1} ({2}, {3}), now read {4} "
                                        "({5}, {6}). Not applied until the conflict is resolved"),
    "approval.replaces_recorded": ("客户 {0}：按指定以本次读到的 {2} 取代已登记的 {1}（{3}，{4}）",
                                   "customer {0}: {2}, read now, replaces the recorded {1} ({3}, {4}) as chosen"),
    "approval.unreadable_file": ("文件无法读取：{0}", "the file cannot be read: {0}"),
    "approval.not_approval_workbook": ("不是本程序导出的审批工作簿（没有表单布局），未从中读取任何决定",
                                       "not an approval workbook written by Credit Desk (no form layout); no decision read from it"),
    "approval.old_layout": ("审批表由较早版本导出（无登记簿校验），请重新导出审批表后再填写",
                            "approval workbook written by an earlier version (not sealed for the register): export the forms again"),
    "approval.layout_damaged": ("表单布局记录已损坏", "the form layout record is damaged"),
    "approval.not_a_form": ("该工作表不是表单（没有表单编号），已忽略", "sheet is not a form (no form ID); ignored"),
    "decisions.sheet.finals": ("最终授信清单", "Final decisions"),
    "decisions.sheet.problems": ("问题清单", "Problems"),
    "decisions.sheet.records": ("审批记录", "Approvals read"),
    "decisions.customer_id": ("客户编号", "Customer ID"),
    "decisions.name": ("客户名称", "Customer name"),
    "decisions.status": ("状态", "Status"),
    "decisions.term": ("核定账期(天)", "Approved term (days)"),
    "decisions.limit": ("核定额度(元)", "Approved limit (CNY)"),
    "decisions.level": ("核定等级", "Final level"),
    "decisions.approvers": ("审批人", "Approvers"),
    "decisions.date": ("审批日期", "Decided on"),
    "decisions.forms": ("表单编号", "Form ID"),
    "decisions.notes": ("说明", "Notes"),
    "decisions.cell": ("单元格", "Cell"),
    "decisions.form": ("表单", "Form"),
    "decisions.decision": ("审批结论", "Decision"),
    "decisions.errors": ("错误数", "Errors"),
    "decisions.form.application": ("客户信用等级评定申请表", "Credit level assessment application"),
    "decisions.form.special": ("客户特殊付款期限申请表", "Special payment-term application"),
    "decisions.files_read": ("读取的文件", "Files read"),
    "decisions.checked_against.register": ("核对依据：评级登记簿中记录的本次评级", "Checked against: the run as the rating register recorded it"),
    "decisions.checked_against.results": ("核对依据：评级结果工作簿（该次评级不在登记簿中，登记簿无法确认）",
                                          "Checked against: the results workbook (the run is not in the register, which cannot confirm it)"),
    "note.no_application": ("没有有效的《客户信用等级评定申请表》", "no valid credit level assessment application"),
    "note.application_errors": ("申请表有错误（见问题清单）", "the application has errors (see problems)"),
    "note.special_errors": ("特殊付款期限申请表有错误（见问题清单）", "the special payment-term application has errors (see problems)"),
    "note.awaiting_cfo": ("等待财务总监审批", "awaiting the CFO"),
    "note.needs_cfo": ("需要书面理由和财务总监审批", "needs a written reason and the CFO's approval"),
    "note.cfo_said": ("财务总监：{0}", "CFO: {0}"),
    "note.duplicate": ("重复：已于 {2} 从 {0} 读取并登记", "duplicate: read back from {0} on {2} and recorded"),
    "note.conflict": ("与已登记的决定冲突（{0}，{1}），未采用", "conflicts with the decision recorded ({0}, {1}); not applied"),
    "note.replaces": ("取代已登记的决定（{0}，{1}）", "replaces the decision recorded ({0}, {1})"),
    "note.copies_conflict": ("同一表单的副本决定不同，未采用", "copies of the form disagree; not applied"),
})

class Labels:
    """Label lookup for one language."""

    def __init__(self, lang: str = "zh"):
        if lang not in ("zh", "en"):
            raise ValueError(f"unknown language {lang!r} (zh or en)")
        self.lang = lang
        self._i = 0 if lang == "zh" else 1

    def __call__(self, key: str, *args: Any) -> str:
        text = _LABELS[key][self._i]
        return text.format(*args) if args else text

    def code(self, code: str) -> str:
        return f"{code} {CODE_WORDS[code][self._i]}" if code in CODE_WORDS else code

    def code_words(self, code: str) -> str:
        """A rule in words only ("新客户…，最高A级"); the code itself where it has none."""
        return CODE_WORDS[code][self._i] if code in CODE_WORDS else code

    def rule(self, hit) -> str:
        """The data a rule hit fired on, as a sentence (see ``rule_sentence``)."""
        return rule_sentence(hit.code, hit.data, self.lang)

    def band(self, interval, basis: str | None = None) -> str:
        """A band of an item with ``basis`` as a clerk writes it (see ``band_words``): "逾期 > 7 天且
        ≤ 30 天", "≥ 5 年" (not "(7, 30]", "[5, inf)")."""
        return band_words(basis, interval, self.lang)

    def missing_band(self, basis: str | None) -> str:
        return missing_words(basis, self.lang)

    def scored_band(self, item, band: str) -> str:
        """The band an item's value fell in, in words: ``band`` is ``ItemScore.band`` (the band's
        range as the policy writes it, a category, or "missing")."""
        if band == "missing":
            return self.missing_band(item.basis)
        if item.categories:
            return self.word(band)
        interval = next((b.interval for b in item.bands if b.interval.text == band), band)
        return band_words(item.basis, interval, self.lang)

    def basis(self, key: str) -> str:
        return BASIS_WORDS[key][self._i] if key in BASIS_WORDS else key

    def parameter(self, key: str) -> str:
        return PARAMETER_WORDS[key][self._i] if key in PARAMETER_WORDS else key

    def word(self, key: str) -> str:
        return FIELD_WORDS[key][self._i] if key in FIELD_WORDS else key

    def item(self, item) -> str:
        return item.label_zh if self.lang == "zh" else item.label_en

    def level_label(self, lv) -> str:
        return f"{lv.level} {lv.label_zh}" if self.lang == "zh" else lv.level

    def aging(self, bucket: str) -> str:
        if bucket == "not_due":
            return self("aging.not_due")
        if bucket.startswith(">"):
            return self("aging.over", bucket[1:])
        return self("aging.days", bucket)

    def issue(self, text: str) -> str:
        return issue_text(text, self.lang)

    def yes_no(self, flag: bool) -> str:
        return self("yes") if flag else self("no")


# ---------------------------------------------------------------------------------------
# Bands and rule data as a clerk writes them: "逾期 > 7 天且 ≤ 30 天", "≥ 5 年", "≥ 100万元且 < 500万元",
# "订单 2 笔，少于 3 笔". One place for the window's detail pane, the workbooks, the forms and the
# policy editor's band list.


@dataclass(frozen=True)
class Measure:
    """How the bands of one basis read: the words around the comparison, its unit and how its
    numbers are written. Keyed by basis (what the data is), not by item: a value's unit follows
    from what desktop.core.metrics computes, whatever a policy calls its item."""

    zh: str = "{}"  # the words around the comparison ({}): "逾期 {}"
    en: str = "{}"
    unit_zh: str = ""  # after each number in Chinese: " 天"
    unit_en: tuple[str, str] = ("", "")  # after the last number in English: singular, plural
    kind: str = "number"  # number | percent | amount (元: ``scale`` 元 per unit of the data) | count
    scale: int = 1
    floor: int | None = None  # the least value the data takes: a band is not worded below it
    at_floor: tuple[str, str] | None = None  # the words for exactly the floor ("按时")
    missing: tuple[str, str] = ("缺失", "missing")


MEASURES: dict[str, Measure] = {
    # an amount-weighted average of max(0, days late): never below 0
    "avg_days_late": Measure("逾期 {}", "overdue {}", " 天", (" day", " days"), floor=0,
                             at_floor=("按时", "on time"), missing=("无付款记录", "no history")),
    "cooperation_years": Measure(unit_zh=" 年", unit_en=(" year", " years"), floor=0,
                                 missing=("无交易", "no trading")),
    "sales_12m": Measure(kind="amount"),  # 元; credit notes can make it negative
    "sales_growth": Measure("增长 {}", "growth {}", kind="percent", missing=("上年无交易", "no prior year")),
    "debt_ratio": Measure(kind="percent"),
    "current_ratio": Measure(),  # written as a number (1.5), as finance writes a current ratio
    "registered_capital": Measure(kind="amount", scale=10_000),  # held in 万元
    "documents_missing": Measure("缺 {}", "{} missing", " 项", kind="count", floor=0,
                                 at_floor=("齐全", "none missing")),
}


def _decimal(q: Fraction) -> str:
    """An exact decimal with thousands grouped (a policy's bounds are decimals): 1,000,000; 0.85."""
    sign, q = ("-" if q < 0 else ""), abs(q)
    places = 0
    while (q * 10 ** places).denominator != 1 and places < 30:
        places += 1
    whole, frac = divmod(round(q * 10 ** places), 10 ** places)
    return sign + f"{whole:,}" + (f".{frac:0{places}d}" if places else "")


def _bound_text(q: Fraction, m: Measure, lang: str, million: bool) -> str:
    if m.kind == "percent":
        return _decimal(q * 100) + "%"
    if m.kind == "amount":
        yuan = q * m.scale
        if lang == "zh":
            return f"{_decimal(yuan / 10_000)}万元" if yuan and yuan % 10_000 == 0 else f"{_decimal(yuan)}元"
        return _decimal(yuan / 1_000_000 if million else yuan)
    return _decimal(q) + (m.unit_zh if lang == "zh" else "")


def _unit_en(m: Measure, last: Fraction, million: bool) -> str:
    if m.kind == "amount":
        return " million CNY" if million else " CNY"
    return m.unit_en[0] if last == 1 else m.unit_en[1]


def band_words(basis: str | None, band: Any, lang: str = "zh") -> str:
    """A band as a clerk writes it, exact at its edges: "逾期 > 7 天且 ≤ 30 天" / "overdue > 7 and
    ≤ 30 days", "≥ 5 年", "≥ 100万元且 < 500万元" / "≥ 1 and < 5 million CNY", "> 85%", "按时".

    ``basis``: the item's basis (``Item.basis``; None or unknown: plain numbers). ``band``: an
    ``Interval`` or its text as the policy writes it ("(0, 7]"); text that is not an interval
    (a band being typed in the policy editor) comes back as it is. Which side an edge falls on is
    always said (≥ / > / ≤ / <); a count is said in whole numbers ("缺 1 项" for (0, 1]) and a band
    at the least value the data takes by its name ("按时" for (-inf, 0] days late)."""
    if isinstance(band, str):
        try:
            band = parse_interval(band)
        except ValueError:
            return band
    m = MEASURES.get(basis or "", Measure())
    i = 0 if lang == "zh" else 1
    lo, hi = band.bounds_exact
    lo_in, hi_in = band.lower_closed, band.upper_closed
    if m.kind == "count":  # the data is a whole number: (0, 1] is exactly 1
        lo_n = None if lo is None else (math.ceil(lo) if lo_in else math.floor(lo) + 1)
        hi_n = None if hi is None else (math.floor(hi) if hi_in else math.ceil(hi) - 1)
        if lo_n is None or hi_n is None or lo_n <= hi_n:  # (else no whole number in it: said as written)
            lo, hi = (None if lo_n is None else Fraction(lo_n)), (None if hi_n is None else Fraction(hi_n))
            lo_in = hi_in = True
    if m.floor is not None and lo is not None and (lo < m.floor or (lo == m.floor and lo_in)):
        lo = None  # nothing lies below the floor: "≥ 0" says nothing
    if lo is None and hi is None:
        return Labels(lang)("any_value")
    at_floor = lo is None and hi_in and m.floor is not None and hi == m.floor
    if at_floor and m.at_floor:
        return m.at_floor[i]
    finite = [q * m.scale for q in (lo, hi) if q is not None and q != 0]
    million = m.kind == "amount" and bool(finite) and all(q % 100_000 == 0 for q in finite)  # 0.1 million
    template = m.zh if lang == "zh" else m.en
    if at_floor or (lo is not None and lo == hi):  # one value: "缺 1 项", "0 年"
        value = hi if lo is None else lo
        text = _bound_text(value, m, lang, million)
        return template.format(text if lang == "zh" else text + _unit_en(m, value, million))
    parts = []
    if lo is not None:
        parts.append(f"{'≥' if lo_in else '>'} {_bound_text(lo, m, lang, million)}")
    if hi is not None:
        parts.append(f"{'≤' if hi_in else '<'} {_bound_text(hi, m, lang, million)}")
    if lang == "zh":
        return template.format("且 ".join(parts))
    return template.format(" and ".join(parts) + _unit_en(m, hi if hi is not None else lo, million))


def missing_words(basis: str | None, lang: str = "zh") -> str:
    """The band of an item without data: "缺失", or what no data means for it ("无付款记录")."""
    return MEASURES.get(basis or "", Measure()).missing[0 if lang == "zh" else 1]


def figure(v: float, decimals: int = 2) -> str:
    """A number as a clerk writes it: thousands grouped, at most ``decimals`` places, no trailing
    zeros (1,236,000; 1.56; 4.2)."""
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def amount(v: float) -> str:
    """An amount in 元 to the fen, whole ones without decimals: 1,236,000; 1,200.50."""
    text = f"{v:,.2f}"
    text = text[:-3] if text.endswith(".00") else text
    return "0" if text == "-0" else text


def percent(v: float, decimals: int = 1) -> str:
    """A ratio as a percentage: 0.352 -> 35.2%, 0.2 -> 20%."""
    return figure(v * 100, decimals) + "%"


_ONE = re.compile(r"(?<![\d.,])1 (order|year|day|document)s\b")


def rule_sentence(code: str, data: dict[str, Any], lang: str = "zh") -> str:
    """The data a rule fired on, as a sentence in ``lang`` from the catalogue's ``rule.*`` texts:
    "订单 2 笔，少于 3 笔；合作 0.56 年，不足 1 年" / "2 orders, fewer than 3; ...". Numbers as a
    clerk writes them, codes in words; a rule without a text of its own lists its values by name."""
    lab = Labels(lang)
    sep = "；" if lang == "zh" else "; "

    def listed(values: Any) -> str:
        values = values if isinstance(values, (list, tuple)) else [values]
        return ("、" if lang == "zh" else ", ").join(lab.word(str(v)) for v in values)

    def say(key: str, **values: Any) -> str:
        return message(key, lang, **values)

    d = data or {}
    try:
        if code == "FORCE_C_TIMELINESS":
            text = say("rule.FORCE_C_TIMELINESS", days=figure(d["avg_days_late"]), points=d["points"],
                       max_points=d["max_points"])
        elif code == "FORCE_C_OPERATING":
            text = say("rule.FORCE_C_OPERATING", status=lab.word(d.get("operating_status", "poor")))
        elif code == "FORCE_C_REVENUE_DECLINE":
            text = say("rule.FORCE_C_REVENUE_DECLINE", trend=lab.word(d.get("revenue_trend", "sustained_decline")))
        elif code == "FORCE_C_LITIGATION":
            text = say("rule.FORCE_C_LITIGATION")
        elif code == "CAP_A_NEW_CUSTOMER":
            text = sep.join(_new_customer(d, say))
        elif code in ("CAP_A_DOCUMENTS", "TERM_DOCUMENTS_INCOMPLETE"):
            text = say(f"rule.{code}", missing=listed(d["missing"]))
        elif code == "TERM_NEW_CUSTOMER_CASH":
            text = say("rule.TERM_NEW_CUSTOMER_CASH", orders=f"{d['orders']:,}", cash_orders=f"{d['cash_orders']:,}")
        elif code == "TERM_NO_AGREEMENT":
            text = say("rule.TERM_NO_AGREEMENT." + ("unknown" if d.get("agreement") is None else "no"))
        elif code == "CAP_B_GROUP_WARNING":
            text = say("rule.CAP_B_GROUP_WARNING", group=d["group"], members=listed(d["members"]))
        elif code == "LIMIT_GROUP_CONCENTRATION":
            text = say("rule.LIMIT_GROUP_CONCENTRATION", group=d["group"], group_total=amount(d["group_total"]),
                       total=amount(d["total"]), share=percent(d["share"]), ceiling=amount(d["ceiling"]))
        else:
            text = _listed_values(d, lab)
    except (KeyError, TypeError, ValueError):  # data of another shape (a later version): its values by name
        text = _listed_values(d, lab)
    return text if lang == "zh" else _ONE.sub(r"1 \1", text)


def _new_customer(d: dict[str, Any], say) -> list[str]:
    """Why a customer is new: too few orders, too short a cooperation, or no trading known. The
    years are shown to as many places as it takes to stay below the threshold (0.9999, not 1.00)."""
    parts = []
    if d["orders"] < d["min_orders"]:
        parts.append(say("rule.CAP_A_NEW_CUSTOMER.orders", orders=f"{d['orders']:,}", min_orders=f"{d['min_orders']:,}"))
    years, least = d.get("cooperation_years"), d["min_years"]
    if years is None:
        parts.append(say("rule.CAP_A_NEW_CUSTOMER.no_trading"))
    elif years < least or not parts:
        shown = next((figure(years, n) for n in (2, 3, 4) if round(years, n) < least), None)
        if shown is not None:
            parts.append(say("rule.CAP_A_NEW_CUSTOMER.years", years=shown, min_years=figure(least, 4)))
        elif d.get("cooperation_days") is not None:
            parts.append(say("rule.CAP_A_NEW_CUSTOMER.days", days=f"{d['cooperation_days']:,}",
                             min_years=figure(least, 4)))
    return parts


def _listed_values(d: dict[str, Any], lab: Labels) -> str:
    """A rule's values by their names ("订单数：2；..."), for a rule without a sentence of its own."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return lab.yes_no(v)
        if isinstance(v, (int, float)):
            return figure(v, 4)
        if isinstance(v, (list, tuple)):
            return ("、" if lab.lang == "zh" else ", ").join(lab.word(str(x)) for x in v)
        return lab("none") if v is None else lab.word(str(v))

    colon, sep = ("：", "；") if lab.lang == "zh" else (": ", "; ")
    names = {k: (lab(k) if k in _LABELS else lab.word(k)) for k in d}
    return message("rule.other", lab.lang, detail=sep.join(f"{names[k]}{colon}{value(v)}" for k, v in d.items()))


# Row problems and actions are built in English where they are found; Chinese readers see
# them through this table (a pattern and its Chinese form; groups carry the values).
_ISSUE_ZH: list[tuple[str, str]] = [
    (r"Excel error value (.+)", r"Excel 错误值 \1"),
    (r"formula without a saved value \(open and save the file in Excel first\)", "公式没有保存计算结果（请先用 Excel 打开并保存）"),
    (r"required value is blank", "必填值为空"),
    (r"not an amount \(a yes/no value\)", "不是金额（是是/否值）"),
    (r"not a finite amount", "不是有效金额"),
    (r"a date where an amount was expected", "应为金额，却是日期"),
    (r"not an amount", "不是金额"),
    (r"negative number of days", "天数为负"),
    (r"not a whole number of days; rounded to (\d+)", r"天数不是整数，已四舍五入为 \1"),
    (r"amount finer than a fen", "金额精确到分以下"),
    (r"receipt of zero or less \(a refund\?\)", "回款金额为零或负数(退款?)"),
    (r"not applied to any invoice", "未核销任何发票"),
    (r"rounded to (-?\d+\.\d\d)", r"已按分取整为 \1"),
    (r"not a number of days", "不是天数"),
    (r"not a valid calendar date", "日期不存在"),
    (r"a number that is not a date", "数字不是日期"),
    (r"not a date", "不是日期"),
    (r"not a yes/no value", "不是“是/否”值"),
    (r"not a known operating status \((.*)\)", r"无法识别的经营状况（可用：\1）"),
    (r"not a known revenue trend \((.*)\)", r"无法识别的营业额趋势（可用：\1）"),
    (r"total row", "合计行"),
    (r"hidden sheet", "隐藏的工作表"),
    (r"read as (\w+); unhide it in Excel, or mark it not used, if it should not count",
     r"已按 \1 读取；如不应计入，请在 Excel 中取消隐藏核对，或标为不使用"),
    (r"second column for '(.+)'", r"字段“\1”的第二列"),
    (r"columns with data mapped to no field", "未使用的列：有数据，但没有映射到任何字段"),
    (r"not read; map them in the column mapping if the rating needs them", "未读取；如评级需要这些数据，请在列映射中为它们选择字段"),
    (r"duplicate customer ID \(also on row (.+)\)", r"客户编号重复（另见 \1 行）"),
    (r"not a valid 18-character unified social credit code \(check digit\)", "统一社会信用代码无效（18位校验码不符）"),
    (r"first trade date is after the assessment date", "首次合作日期晚于评估基准日"),
    (r"negative amount", "金额为负"),
    (r"customer ID is duplicated on the customer sheet", "该客户编号在客户信用资料中重复"),
    (r"customer ID not on the customer sheet", "客户编号不在客户信用资料中"),
    (r"customer name matches more than one customer", "客户名称对应多个客户"),
    (r"customer name not on the customer sheet", "客户名称不在客户信用资料中"),
    (r"no customer ID or name", "没有客户编号或名称"),
    (r"paid amount exceeds the invoice amount (.+)", r"回款金额超过发票金额 \1"),
    (r"paid amount without a paid date", "有回款金额但没有回款日期"),
    (r"receipt exceeds the customer's open invoices \(FIFO\)", "回款超过该客户的未付发票（先进先出）"),
    (r"row not used", "该行未使用"),
    (r"file cannot be read", "文件无法读取"),
    (r"file not read; the other files are used", "未读取该文件；其他文件照常使用"),
    (r"treated as blank", "按空白处理"),
    (r"skipped: totals are recomputed, not read", "已跳过：合计由程序重新计算"),
    (r"ignored; column (.+) is used", r"已忽略；使用 \1 列"),
    (r"customer not scored; its ledger rows not used", "该客户不评级，其明细行不使用"),
    (r"three-in-one licence rule not applied", "不适用三证合一"),
    (r"earliest invoice date used instead", "改用最早开票日期"),
    (r"counted up to the invoice amount", "按发票金额计"),
    (r"assumed paid on the due date", "视为在到期日回款"),
    (r"unapplied part not counted as a payment", "多出部分不计为回款"),
    (r"ambiguous number \(written with an exponent\)", "数字写法有歧义（科学计数法）"),
    (r"ambiguous number \(a decimal comma\?\)", "数字写法有歧义（逗号是小数点？）"),
    (r"ambiguous number \(commas not in groups of three\)", "数字写法有歧义（千分位逗号不是三位一组）"),
    (r"ambiguous number \(more than one decimal point\)", "数字写法有歧义（有多个小数点）"),
    (r"ambiguous number \(more than one sign\)", "数字写法有歧义（有多个正负号）"),
    (r"ambiguous number \(spaces inside the digits\)", "数字写法有歧义（数字中间有空格）"),
    (r"amount beyond 10\^13 元", "金额超过 10^13 元"),
    (r"more than 3650 days", "天数超过 3650 天"),
    (r"date outside 1900-01-01\.\.2100-12-31", "日期不在 1900-01-01 至 2100-12-31 之间"),
    (r"invisible characters removed from the ID", "已删除编号中的不可见字符"),
    (r"the ID holds only invisible characters", "编号只含不可见字符"),
    (r"corrected value used", "使用更正后的值"),
    # what the CSV reader finds (line numbers are the file's lines, rows the sheet's)
    (r"(\d+) fields where the header row has (\d+)", r"\1 个字段，而标题行有 \2 个"),
    (r"(\d+) fields where the header row has (\d+) \(file lines? ([\d-]+)\)", r"\1 个字段，而标题行有 \2 个（文件第 \3 行）"),
    (r"values read in order from column A; check that each is under its header",
     "已从 A 列起按顺序读取；请核对每个值是否在对应的标题下"),
    (r"quote not closed on line (\d+): it would join the next (\d+) lines into this cell",
     r"第 \1 行的引号没有闭合：会把其后 \2 行并入此单元格"),
    (r"quote not closed on line (\d+), the last line", r"第 \1 行（最后一行）的引号没有闭合"),
    (r"quote read as a character; the lines after it read as rows", "引号按普通字符读取；其后各行照常按行读取"),
    (r"text after a closing quote on line (\d+)", r"第 \1 行的引号闭合后还有文字"),
    (r"read as written, quotes included", "按原样读取（保留引号）"),
    (r"one cell spans lines (\d+)-(\d+) and holds separators \(a stray quote\?\)",
     r"一个单元格跨第 \1-\2 行并含有分隔符（引号不配对？）"),
    (r"read as one cell; check the quotes on these lines in the file", "按一个单元格读取；请检查文件中这几行的引号"),
    (r"([\d,]+) characters, more than an Excel cell holds \(32,767\)", r"\1 个字符，超过 Excel 单元格的上限（32,767）"),
    (r"([\d,]+) characters, more than an Excel cell holds \(32,767\) \(file lines? ([\d-]+)\)",
     r"\1 个字符，超过 Excel 单元格的上限（32,767）（文件第 \2 行）"),
    (r"read in full; cut to fit where written to a workbook", "已完整读取；写入工作簿时截断"),
    (r"line (\d+) has bytes that are not valid (\S+) \(shown as �\)", r"第 \1 行有无效的 \2 字节（显示为 �）"),
    (r"the file has bytes that are not valid UTF-16 \(shown as �\)", "文件中有无效的 UTF-16 字节（显示为 �）"),
    (r"read with � in their place; correct the value in the file", "以 � 代替读取；请在文件中更正该值"),
    (r"lines? ([\d-]+) in (\S+) encoding, the rest of the file in (\S+)", r"第 \1 行为 \2 编码，文件其余部分为 \3 编码"),
    (r"read as (\S+); save the whole file in one encoding", r"已按 \1 读取；请将整个文件保存为同一种编码"),
    (r"line (\d+) has NUL characters \(a damaged file\?\)", r"第 \1 行有 NUL 字符（文件损坏？）"),
    (r"the file ends in ([\d,]+) NUL bytes \(a damaged save\?\)", r"文件末尾有 \1 个 NUL 字节（保存不完整？）"),
    (r"NUL characters removed", "已删除 NUL 字符"),
    (r"the file is empty", "文件为空"),
    (r"nothing read", "未读取任何内容"),
    (r"the headers fit a sales ledger or receipts list", "表头既像销售明细也像回款明细"),
    (r"the headers fit a customer sheet or sales ledger", "表头既像客户信用资料也像销售明细"),
    (r"the headers fit a customer sheet or receipts list", "表头既像客户信用资料也像回款明细"),
    (r"the headers fit a customer sheet or sales ledger or receipts list", "表头可以是客户信用资料、销售明细或回款明细"),
    (r"read as a sales ledger, as its name says", "按表名读作销售明细"),
    (r"read as a receipts list, as its name says", "按表名读作回款明细"),
    (r"read as a customer sheet, as its name says", "按表名读作客户信用资料"),
    (r"no header row of a customer sheet, sales ledger or receipts list in the first (\d+) rows",
     r"前 \1 行中没有客户信用资料、销售明细或回款明细的表头"),
    (r"sheet not used; if it holds data, map its columns by hand", "该表未使用；如有数据，请手动对应列"),
    (r"the same file as (.+) \(two names of one file\)", r"与 \1 是同一个文件（一个文件的两个名称）"),
    (r"read once", "只读取一次"),
    (r"a cell the reader could not convert", "读取程序无法转换的单元格"),
    (r"the header row again", "表头行重复出现"),
    (r"the file is a workbook saved under a text-file name", "该文件是以文本文件名保存的工作簿"),
    (r"read as a workbook", "已按工作簿读取"),
    (r"customer ID differs from (.+) only in capitals", r"客户编号与 \1 仅大小写不同"),
    (r"rated as separate customers; check that they are not one", "按不同客户分别评级；请核对是否为同一客户"),
    (r"sheet not used: say what it is \((.+), or in the list of sheets\)",
     "该表未使用：请指定它是哪种表（在工作表列表中选择）"),
]
_ISSUE_ZH_COMPILED = [(__import__("re").compile(f"^{p}$"), r) for p, r in _ISSUE_ZH]


def issue_text(text: str, lang: str) -> str:
    """A row problem or action in the reader's language (unknown texts stay as they are)."""
    if lang != "zh" or not text:
        return text
    for pattern, repl in _ISSUE_ZH_COMPILED:
        if pattern.match(text):
            return pattern.sub(repl, text)
    return text


_CODE_IN_TEXT = __import__("re").compile(r"\b(?:status|role)\.[a-z_]+\b")


def approval_text(code: str, args: tuple, lang: str) -> str:
    """A read-back problem or note in ``lang``: the catalogue's words, its values filled in (codes
    among them worded too: status.approved -> 已批准, field.total -> 总分)."""
    lab = Labels(lang)
    key = code if code.startswith("note.") else f"approval.{code}"

    def word(v: Any) -> Any:
        if isinstance(v, str):
            if v.startswith("field."):
                from desktop.core.forms import FACTS, INPUTS
                k = v[6:]
                if v in _LABELS:
                    return lab(v)
                if k in FACTS:
                    return FACTS[k][lab._i]
                if k in INPUTS:
                    return INPUTS[k][lab._i]
                if k.startswith("item:"):
                    return k[5:]
                return lab(k) if k in _LABELS else k
            return _CODE_IN_TEXT.sub(lambda m: lab(m.group(0)) if m.group(0) in _LABELS else m.group(0), v)
        if v is None:
            return ""
        if hasattr(v, "isoformat") and not isinstance(v, str):  # a date as the forms show it, 2026-12-30
            return v.isoformat()[:10]
        return v
    values = [word(a) for a in args]
    try:
        return lab(key).format(*values)
    except (KeyError, IndexError, ValueError, TypeError):  # a value of another type than the text expects
        plain = __import__("re").sub(r"\{(\d+)(?:![rsa])?(?::[^}]*)?\}", r"{\1}", lab(key))
        return plain.format(*[str(v) for v in values], *[""] * 9)
