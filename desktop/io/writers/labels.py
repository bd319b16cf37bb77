"""Words in the workbooks we write, in Chinese (default) and English."""

from __future__ import annotations

from typing import Any

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

    def band(self, interval) -> str:
        """A band as a reader writes it: "≤ 0", "0 < 值 ≤ 7", "≥ 5" (not "(-inf, 0]")."""
        x = "值" if self.lang == "zh" else "x"
        lo, hi = interval.bounds_exact
        num = lambda q: format(float(q), ",.10g")  # noqa: E731
        low = None if lo is None else f"{num(lo)} {'≤' if interval.lower_closed else '<'} "
        high = None if hi is None else f" {'≤' if interval.upper_closed else '<'} {num(hi)}"
        if low is None and high is None:
            return self("any_value")
        if low is None:
            return f"{x}{high}"
        if high is None:
            return f"{x} {'≥' if interval.lower_closed else '>'} {num(lo)}"
        return f"{low}{x}{high}"

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
