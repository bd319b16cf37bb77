"""The window's words: its English source texts (what ``tr()`` and ``Language.text`` are given)
and their Chinese, and the Chinese names of the fields the mapping dialog offers. Part of the
one catalogue (desktop/messages); desktop/ui/i18n.py answers the window from it."""

from __future__ import annotations

ZH: dict[str, str] = {
    "Credit Desk — customer credit rating": "信用管理台 — 客户信用评级",
    "&Open workbooks…": "打开工作簿(&O)…", "&Rate": "评级(&R)", "Export &results…": "导出评级结果(&S)…",
    "Export &approval forms…": "导出审批表(&E)…", "Read filled approvals…": "读取已填审批表…",
    "&Policy editor…": "信用政策编辑(&P)…", "Choose policy file…": "选择政策文件…", "Clear files": "清空文件",
    "&Quit": "退出(&Q)", "&About Credit Desk": "关于(&A)", "&File": "文件(&F)", "Recent files": "最近的文件",
    "R&ating": "评级(&A)", "&View": "视图(&V)", "Language": "语言", "&Help": "帮助(&H)",
    "Files and sheets": "文件与工作表", "Row issues": "数据问题", "As of": "评估基准日", "Cancel": "取消",
    "Level": "等级", "Salesperson": "业务员", "Route": "审批路径", "Search": "搜索",
    "Exceeds policy only": "仅超出政策", "customer ID, name, salesperson, group": "客户编号、名称、业务员、集团",
    "Customers": "客户信用资料", "Sales ledger": "销售/回款明细", "Receipts": "回款明细", "Not used": "不使用",
    "File": "文件", "Sheet": "工作表", "Read as": "识别为", "Header row": "表头行", "Rows read": "读取行数",
    "Used": "使用", "Rejected": "拒绝", "Severity": "级别", "Row": "行号", "Column": "列", "Value": "值",
    "Problem": "问题", "Action": "处理", "None": "无需审批", "Sales manager": "销售部经理",
    "CFO (special term)": "财务总监(特殊账期)", "Customer ID": "客户编号", "Name": "客户名称", "Score": "总分",
    "By score": "按总分", "Rules": "触发规则", "Recommended term": "建议账期", "Eligible limit": "可授信额度",
    "Requested term": "申请账期", "Requested limit": "申请额度", "Exceeds": "超出政策", "Next review": "下次复评",
    "Yes": "是", "No": "否", "Open workbooks": "打开工作簿", "Loading policy": "读取政策",
    "Recording in the rating register": "写入评级登记簿",
    "Reading workbooks": "读取工作簿", "Rating": "评级中", "Computing ledger metrics": "计算账款指标",
    "Scoring customers": "评分", "Writing workbook": "写入工作簿", "Writing forms": "写入审批表", "Done": "完成",
    "Cancelling…": "正在取消…", "Cancelled; nothing was changed.": "已取消，未做任何更改。",
    "Cannot read the input": "无法读取输入文件", "Cannot write the file": "无法写入文件",
    "The rating register cannot be used": "评级登记簿无法使用",
    "Check the register under File → Rating register settings (file or team server)… (a team register's address "
    "and password), or ask IT to check the server.":
        "请在“文件 → 评级登记簿设置（本机文件或团队服务器）…”中检查登记簿（团队登记簿的地址和密码），或请信息部门检查服务器。",
    "Invalid policy": "信用政策文件有误", "Unexpected error": "意外错误",
    "If the file is open in Excel, close it there and try again.": "如果该文件正在 Excel 中打开，请先关闭再重试。",
    "Choose another name or folder, or close the file in the program that holds it, then try again.":
        "请换一个文件名或文件夹，或在占用该文件的程序中关闭它，然后重试。",
    "Cannot read the approvals": "无法读取审批表",
    "Only approval workbooks exported by this program (filled in Excel or another office program) can be read back.":
        "只能读取本程序导出的审批工作簿（可在 Excel 或其他办公软件中填写）。",
    "Check the file, or choose how its sheets are read in Files and sheets.":
        "请检查文件，或在“文件与工作表”中指定各工作表的用途。",
    "Open the policy editor to see and fix each problem.": "请打开信用政策编辑器查看并修正每个问题。",
    "Please send this message to your administrator.": "请将此信息发给系统管理员。",
    "Nothing rated yet": "尚未评级", "Open the workbooks and rate first.": "请先打开工作簿并评级。",
    "Save results workbook": "保存评级结果", "Save approval workbook": "保存审批表",
    "Export &working papers…": "导出明细底稿(&W)…",
    "Export working papers of the selected customers…": "导出所选客户的明细底稿…",
    "Save working papers": "保存明细底稿", "No customer selected": "未选择客户",
    "Select the customers in the results table first (Ctrl+click or Shift+click for several).":
        "请先在评级结果表中选择客户（按住 Ctrl 或 Shift 单击可选多个）。",
    "Filled approval workbooks": "已填写的审批表", "Results workbook of that run": "对应的评级结果工作簿",
    "Save the decisions workbook as": "审批结果另存为",
    "Choose policy file": "选择政策文件", "Policy: ": "政策：", "shipped default": "默认政策", "All": "全部",
    "Wrote ": "已写入 ",
    "{0} files; open the workbooks and rate (F5).": "已选 {0} 个文件；请按 F5 评级。",
    "Open or drop the customer sheet and the ledger.": "请打开或拖入客户信用资料和销售明细。",
    "{0} of {1} customers shown · {2} · {3} to the sales manager, {4} to the CFO · {5} row issues ({6} rows not used)":
        "显示 {0} / {1} 个客户 · {2} · {3} 个需销售部经理审批，{4} 个需财务总监审批 · {5} 条数据问题（{6} 行未使用）",
    "Select a customer to see why.": "选择一个客户查看评级依据。", "About Credit Desk": "关于信用管理台",
    "Customer credit rating, payment terms and approvals.": "客户信用评级、信用期限与审批。",
    # the user guide (F1, desktop/ui/help.py: its tables and rule lists) and the About box
    "&User guide": "用户指南(&U)", "User guide": "用户指南", "Credit Desk": "信用管理台", "Credit policy": "信用政策",
    "Policy file": "政策文件", "Rating register": "评级登记簿",
    "edited in the policy editor, not saved": "已在信用政策编辑器中修改，尚未保存",
    "The policy file {0} cannot be read; the shipped policy is shown.": "政策文件 {0} 无法读取，以下按默认政策说明。",
    "Item": "评分项目", "Data": "数据依据", "Bands and points": "分档与得分", "{0}: {1} points": "{0}：{1} 分",
    "Total": "合计", "Total score": "总分", "{0} (cash before delivery)": "{0}（款到发货）", "Key": "按键",
    "What it does": "功能",
    "Payment timeliness scores {0} points or fewer (a customer with a payment history)":
        "付款及时性得分不高于 {0} 分（有付款记录的客户）",
    "Operating status is poor": "经营状况不良（不良、较差、亏损、严重亏损）", "Revenue in sustained decline": "营业额持续下滑",
    "Sued by other suppliers over payment": "被其他供应商起诉（货款纠纷）",
    "None: this policy forces no customer to C.": "无：本政策不强制任何客户为C级。",
    "these customers are rated {0} at most:": "以下客户最高评为 {0} 级：", "this policy caps no level.": "本政策不设封顶。",
    "New customer: fewer than {0} orders, or less than {1} years of cooperation":
        "新客户：订单少于 {0} 笔，或合作不满 {1} 年",
    "Key documents incomplete: business licence, tax registration, organisation code":
        "关键资料不全：营业执照、税务登记证、组织机构代码证",
    "A new customer's first {0} orders are cash before delivery (0 days).": "新客户的前 {0} 笔订单款到发货（0 天）。",
    "Credit terms need a signed annual agreement and complete key documents; otherwise 0 days.":
        "给予账期须签订年度合作协议且关键资料齐全，否则为 0 天。",
    "Credit terms need a signed annual agreement; otherwise 0 days.": "给予账期须签订年度合作协议，否则为 0 天。",
    "Credit terms need complete key documents; otherwise 0 days.": "给予账期须关键资料齐全，否则为 0 天。",
    "Otherwise the recommended term is the level's base term (table above).": "其余情况下，建议账期为等级的基准账期（见上表）。",
    # review like in Excel: copy, filtered exports, find, totals, the issues panel
    "Copy": "复制", "Copy without headers": "复制（不含表头）", "Copy with headers": "复制（含表头）", "Open AR": "应收余额", "Overdue": "逾期余额",
    "Export the filtered view…": "导出当前筛选结果…",
    "Export approval forms of the filtered view…": "导出当前筛选结果的审批表…",
    "Export row issues…": "导出数据问题…", "Save row issues": "保存数据问题",
    "No row issues shown": "没有显示的数据问题", "There are no row issues to export.": "没有可导出的数据问题。",
    "No customer shown": "没有显示的客户",
    "The filters show no customer: change or clear them first.": "当前筛选条件下没有客户：请先修改或清除筛选。",
    "Find a customer": "查找客户", "Clear filters": "清除筛选", "Errors": "错误", "Warnings": "警告",
    "Show every customer again (Esc in the search box)": "重新显示全部客户（在搜索框中按 Esc 也可）",
    "Find a customer by ID, name, salesperson or group (Ctrl+F); Esc clears every filter":
        "按客户编号、名称、业务员或集团查找客户（Ctrl+F）；按 Esc 清除全部筛选",
    "Shown: eligible limit {0} · open AR {1} · overdue {2}": "显示的客户合计：可授信额度 {0} · 应收余额 {1} · 逾期余额 {2}",
    "{0} of {1} issues shown": "显示 {0} / {1} 条",
    "A new rating: the filters were cleared and every customer is shown.": "新的评级结果：已清除筛选条件，显示全部客户。",
    "Recorded in the rating register {0} as entry {1}.": "已登记到评级登记簿 {0}，记录号 {1}。",
    "The filters were cleared to show customer {0}.": "已清除筛选条件，以显示客户 {0}。",
    "This row issue is about no rated customer.": "此数据问题不涉及已评级的客户。",
    # groups and related parties (集团客户): the results column, the group filter, the detail pane's group panel
    "Group": "集团", "Outside groups": "非集团客户", "Linked by": "关联方式", "Same group name": "所属集团相同",
    "Same unified credit code": "统一社会信用代码相同", "Same actual controller": "实际控制人相同",
    "this customer": "本客户", "forced to C": "强制C级", "capped by the group warning": "集团预警封顶",
    "limit {0} → {1}": "额度 {0} → {1}", "Group figures": "集团合计", "Members": "成员户数",
    "and {0} more": "等另 {0} 户",
    "… {0} more members: every member is on the groups sheet of the results workbook, and the group filter "
    "shows them in the table.": "……另有 {0} 户成员未在此列出：结果工作簿的“集团”表列出全部成员，集团筛选可在表中显示他们。",
    "Eligible limits before the total-amount control (CNY)": "总量控制前可授信额度(元)",
    "Eligible limits after the total-amount control (CNY)": "总量控制后可授信额度(元)",
    "Ceiling of the group (CNY)": "集团额度上限(元)",
    "{0} ({1} of every customer's eligible limit, {2})": "{0}（全部客户总量控制前可授信额度合计 {2} 元的 {1}）",
    "off (the total-amount control is switched off)": "不适用（未启用集团总量控制）",
    "(scaled down)": "（已按比例压降）", "Requested limits (CNY)": "申请额度合计(元)",
    "(above the ceiling)": "（超过上限）", "Worst level": "最差等级",
    # mapping dialog
    "Column mapping": "列映射", "Name to save this mapping as a profile (optional)": "保存为映射方案的名称（可选）",
    "Field": "字段", "Sheet kind": "工作表类型", "Profile": "映射方案", "(not mapped)": "（不映射）",
    "Required: ": "必须映射：", "One column is mapped to two fields": "同一列映射到了两个字段",
    "Mapping complete": "映射完整",
    # mapping dialog: fields the rating uses, unused columns; the profile manager (文件 > 映射方案…)
    "Not in the sheet": "无此数据", "The rating uses this field": "评级用到此字段", "(no header)": "（无表头）",
    "Tick a field the rating uses when the sheet has no column for it": "评级用到、但工作表中没有对应列的字段：勾选以确认没有此数据",
    "Rating register location…": "评级登记簿位置…", "Rating register location": "评级登记簿位置",
    "Rating register (*.sqlite)": "评级登记簿 (*.sqlite)", "Ratings are now recorded in ": "此后的评级将登记在 ",
    "Mapping profiles…": "映射方案…", "Mapping profiles": "映射方案", "Saved from": "保存自", "Last read": "最近读取",
    "Last read:": "最近读取：", "Not used since it was saved": "保存后尚未使用", "Rename": "重命名", "Delete": "删除",
    "No mapping profile has been saved.": "尚未保存任何映射方案。", "A profile needs a name.": "映射方案需要一个名称。",
    # policy editor
    "Credit policy editor": "信用政策编辑器", "Range": "区间", "Points": "得分", "Add band": "增加分档",
    "Remove band": "删除分档", "Points (maximum)": "满分", "Points when data is missing": "缺少数据时得分",
    "Minimum score": "最低总分", "Base term (days)": "基准账期(天)", "Limit factor": "额度系数",
    "Review (months)": "复评周期(月)", "Force C on poor timeliness": "付款及时性差强制C级",
    "… at or below this many points": "…及时性得分不高于", "Force C on poor operating status": "经营状况不良强制C级",
    "Force C on sustained revenue decline": "营业额持续下滑强制C级", "Force C when sued by suppliers": "被供应商起诉强制C级",
    "Cap new customers": "新客户封顶", "… fewer orders than": "…订单少于", "Cap when key documents are incomplete":
        "关键资料不全封顶", "Cash before delivery for the first orders": "新客户前几笔款到发货",
    "Terms need a signed annual agreement": "给予账期须签年度协议",
    "Sales manager approves up to (days)": "销售部经理审批上限(天)", "Round limits down to (CNY)": "额度向下取整(元)",
    "Scorecard items": "评分项目", "Levels, terms and factors": "等级、账期与系数", "Problems": "问题",
    "Differences from the shipped default": "与默认政策的差异", "Save as…": "另存为…",
    "What if? Re-rate with this policy": "模拟：用此政策重新评级", "Use for rating": "用于评级", "Close": "关闭",
    "The policy is valid.": "政策有效。", "Fix the problems to save or use it.": "请先修正问题再保存或使用。",
    "Save policy as": "政策另存为", "Policy files (*.toml)": "政策文件 (*.toml)",
    # policy editor: undo, the shipped default, closing, the tabs; the toolbar's policy and a file that failed
    "Undo": "撤销", "Redo": "重做", "Restore default": "恢复默认", "Undo the last change": "撤销上一步修改",
    "Redo the change undone": "重做刚才撤销的修改",
    "Start again from the shipped default policy (can be undone)": "从程序自带的默认政策重新开始（可撤销）",
    "General": "基本设置", "Rating rules": "评级规则", "Policy": "政策", "Terms and approval": "账期与审批", "Aging and metrics": "账龄与指标计算",
    "Meaning": "含义", "my credit policy": "我的信用政策",
    "This file cannot be read as a policy file: correct it at the lines listed (in Notepad, say), or press Restore "
    "default to start again from the shipped policy and save it under another name.":
        "该文件无法作为政策文件读取：请按所列行号（例如用记事本）改正，或按“恢复默认”从默认政策重新开始，再另存为新文件。",
    "The policy has changes that are not saved. Save them before closing?": "政策有尚未保存的修改。关闭前要保存吗？",
    "Save": "保存", "Don't save": "不保存",
    "Open in the policy editor": "在政策编辑器中打开", "(edited, not saved)": "（已修改，未保存）",
    "Policy in use: {0}": "当前使用的政策：{0}", "The shipped default policy": "程序自带的默认政策",
    "Edited in the policy editor and not saved; based on {0}": "在政策编辑器中修改、尚未保存；基于 {0}",
    # approvals dialog
    "Error (not used)": "错误(未使用)", "Warning (used)": "警告(已使用)",
    "Password": "密码",
    "Approvals read back": "审批结果", "Status": "状态", "Approved term": "核定账期", "Approved limit": "核定额度",
    "Final level": "核定等级", "Approvers": "审批人", "Form": "表单", "Cell": "单元格", "Decisions": "审批结论",
    "Run {0}: {1} forms read.": "运行 {0}：已读取 {1} 张表单。",
    "Approval workbooks (*.xlsx *.xlsm *.xls *.ods)": "审批表 (*.xlsx *.xlsm *.xls *.ods)",
    "Results workbooks (*.xlsx *.xlsm)": "评级结果工作簿 (*.xlsx *.xlsm)",
    "Run not in the rating register": "评级不在登记簿中",
    "The run these forms belong to is not in the rating register, so its forms can only be checked against "
    "its results workbook, with a warning that the register cannot confirm it: choose the results workbook "
    "of that run.":
        "这些审批表所属的评级不在评级登记簿中，只能按该次评级的结果工作簿核对，并提示登记簿无法确认：请选择该次评级的结果工作簿。",
    "Choose the results workbook…": "选择评级结果工作簿…",
    "Notes": "说明", "Conflicts": "决定冲突", "Conflict": "冲突情况",
    "Let this file's decision prevail": "以此文件的决定为准",
    "The decisions in the selected file prevail in every conflict it is part of (the other copies, or the "
    "decision recorded before, give way); the forms are read back again and the decisions recorded in the "
    "register.":
        "所选文件中的决定在其涉及的所有冲突中为准（其他副本或此前登记的决定不再采用）；将重新读取审批表，并把决定记入评级登记簿。",
    "Nothing is applied for these customers until you choose which file's decision prevails: select its row, "
    "then press “{0}”.":
        "以下客户的决定互相冲突，在您指定以哪个文件的决定为准之前均不采用：请选中该文件所在的行，再按“{0}”。",
    # the session: out of date, unreadable files, export options
    "Cannot be read": "无法读取", "Remove selected files": "移除所选文件", "Export options…": "导出选项…",
    "The data or settings have changed: this rating is out of date. Rate again (F5) before exporting.":
        "数据已更改，请重新评级 (F5)：当前结果已过期，导出前须重新评级。",
    "Rate again (F5)": "重新评级 (F5)", "Rate again": "需要重新评级",
    "The data or settings have changed since this rating; press F5 to rate again.":
        "评级之后数据或设置已更改，请按 F5 重新评级。",
    "The rating starts when the files have been read.": "文件读取完成后将开始评级。",
    "Export options": "导出选项", "One approval workbook": "一个审批工作簿",
    "One workbook per salesperson": "按业务员分别生成", "One workbook per sales manager": "按销售部经理分别生成",
    "Customers whose route needs an approval": "需要审批的客户", "… and the selected customer": "…以及所选客户",
    "… and every customer shown by the filters": "…以及当前筛选显示的全部客户",
    "Password to open the workbooks": "打开工作簿的密码", "Password to change the sheets": "修改工作表结构的密码",
    "Password of the form sheets": "审批表工作表保护密码", "Approval workbook": "审批工作簿",
    "Application forms for": "生成评定申请表的客户",
    "Passwords are kept until the program closes and are never saved.": "密码仅在程序关闭前保留，不会保存。",
    "The work stopped: the engine process ended unexpectedly (exit code {0}). Nothing was written; try again.":
        "处理中断：后台评级进程意外退出（退出码 {0}）。未写入任何文件，请重试。",
    "The engine process ended unexpectedly (exit code {0}) after the job had finished: what it wrote and recorded "
    "stands; check the files and the register before doing it again.":
        "后台评级进程在任务完成后意外退出（退出码 {0}）：已写入和登记的内容有效，请先核对文件和评级登记簿再决定是否重做。",
    # internal errors (the traceback goes to the log file, never on screen)
    "Internal error": "内部错误",
    "An internal error happened; nothing was changed.": "发生内部错误，未做任何更改。",
    "An internal error happened after the job had started to save its work: check the files and the rating "
    "register before doing it again.":
        "任务开始保存结果之后发生内部错误：请先核对文件和评级登记簿，再决定是否重做。",
    "An internal error happened in the window; what it shows may be incomplete.":
        "窗口发生内部错误，当前显示的内容可能不完整。",
    "The window could not start because of an internal error.": "程序因内部错误无法启动。",
    "The details are in the log file {0}.": "详细信息已记入日志文件：{0}",
    "No log file could be written.": "无法写入日志文件。",
    "Please send the log file to your administrator.": "请将该日志文件发给系统管理员。",
    "Please tell your administrator what you were doing when it happened.": "请告诉系统管理员出错时您正在进行的操作。",
    "Copy details": "复制诊断信息", "Open log folder": "打开日志文件夹", "Log folder": "日志文件夹",
    "The details are on the clipboard: paste them into a message to your administrator.":
        "诊断信息已复制到剪贴板，请粘贴到邮件或消息中发给系统管理员。",
    # the what-if's comparison (desktop/ui/what_if.py) and its changed customers in the results table
    "What-if: the rating compared": "模拟结果对比",
    "{0} customers compared: the rating on screen ({1}) and the same customers rated with the edited policy.":
        "共比较 {0} 个客户：当前评级（{1}）与按编辑后的政策重新评级的结果。",
    "Rows: the level now; columns: the level with the edited policy. Click a number to see those customers in the "
    "results table.": "每行是当前等级，每列是按编辑后政策评出的等级。单击数字可在评级结果表中只看这些客户。",
    "Now: {0}": "当前 {0}", "After: {0}": "模拟后 {0}",
    "{0} → {1}: {2} customers; click to see them in the results table": "{0} → {1}：{2} 户；单击在评级结果表中查看",
    "{0} customers": "{0} 户", "Changed: {0}": "{0}变化", "Total eligible limit (CNY)": "可授信额度合计(元)",
    "Signed by the sales manager (the CFO's too)": "需销售部经理签字（含需财务总监审批的）",
    "Approvals by the CFO": "需财务总监审批",
    "Show changed customers only": "只看变动客户",
    "The results table shows only the customers the edited policy changes, with their values after it; Clear "
    "filters (or Esc in the search box) shows every customer again":
        "评级结果表只显示编辑后政策使其变化的客户，并列出模拟后的数值；按“清除筛选”（或在搜索框中按 Esc）重新显示全部客户",
    "Level after": "模拟后等级", "Term after": "模拟后账期", "Limit after": "模拟后额度", "Route after": "模拟后审批路径",
    "What-if: the changed customers ({0})": "模拟：只看变动客户（{0} 户）",
    "What-if: {0} → {1} ({2})": "模拟：{0} → {1}（{2} 户）",
    "This what-if was made on another rating: try it again.": "这次模拟基于另一次评级的结果，请重新模拟。",
    # the back-test (回测, desktop/ui/backtest_view.py)
    "Back-test…": "回测…", "Back-test": "回测", "Cases from": "样本来源",
    "The rating register's past ratings": "评级登记簿中的历史评级",
    "Re-rating the loaded data as of these dates": "按以下日期对已读取的数据重新评级",
    "Add date": "添加日期", "Remove date": "删除日期", "(horizon not over by the evaluation date)": "（到评估日观察期未满）",
    "Outcome": "违约判定", "Evaluation date": "评估日", "Horizon (months)": "观察期(月)",
    "Bad when more days past due than": "逾期超过此天数为违约", "Unpaid residue ignored (CNY)": "可忽略的未付余额(元)",
    "The outcomes are read from the ledger as of this date": "按此日期的销售/回款明细判定是否违约",
    "Run back-test": "运行回测", "Export report…": "导出回测报告…", "Report": "回测结果",
    "Running the back-test…": "正在回测…", "Reading the outcomes from the ledger": "从销售明细判定违约",
    "Computing the back-test's figures": "计算回测指标",
    "A re-rate date must be before the evaluation date.": "重新评级的日期必须早于评估日。",
    "Open the customer sheet and the ledger first: the outcomes are read from the ledger.":
        "请先打开客户信用资料和销售明细：是否违约要从销售/回款明细中判定。",
    "Add at least one date to re-rate as of.": "请至少添加一个重新评级的日期。",
    "Cancelled; the report shown is the one before.": "已取消；显示的仍是上一次的回测结果。",
    "Back-test report": "回测报告", "Save back-test report": "保存回测报告",
    "Run the back-test again, then export it.": "请重新运行回测后再导出。",
    "Check the source and the dates, or the rating register's location (File menu).":
        "请检查样本来源和日期，或评级登记簿的位置（文件菜单）。",
    "Bad rate by level (95% interval)": "各等级违约率（95% 置信区间）", "No case to show": "没有可显示的样本",
    "no cases": "无样本", "{0} cases": "{0} 个样本",
    "Cases": "样本数", "Bad": "违约数", "Bad rate": "违约率", "95% interval": "95% 置信区间",
    "Fewer than two levels have cases, or no case is bad: whether the bad rate rises from the best level to the "
    "worst cannot be said.":
        "有样本的等级不足两个，或没有一例违约，无法判断违约率是否随等级变差而上升。",
    "The bad rate rises (or stays) from each level to the next worse one: the levels rank the risk as they should.":
        "违约率从较好等级到较差等级逐级上升（或持平）：等级对风险的排序符合预期。",
    "The bad rate does not rise from the best level to the worst: {0} ({1}) is below {2} ({3}). Look at the "
    "thresholds, or at the cases of these levels.":
        "违约率没有随等级变差而逐级上升：{0} 级（{1}）低于 {2} 级（{3}）。请检查等级的分数线，或这两个等级的样本。",
    "{0} {1} ({2})": "{0} {1}（{2}）",
    "{0}: not enough cases (good and bad both needed)": "{0}：样本不足（需同时有违约和未违约的样本）",
    "barely better than chance": "区分能力接近随机", "weak": "区分能力较弱", "acceptable": "区分能力尚可",
    "good": "区分能力良好", "strong": "区分能力较强",
    "PSI {0} ({1}: the level mix of {2} against {3})": "PSI {0}（{1}：{2} 与 {3} 的等级分布相比）",
    "stable": "稳定", "shifting": "有变化", "unstable": "不稳定", "PSI: one rating date only": "PSI：只有一个评级日期，无法计算",
    "Back-test of {0} cases as of {1}.": "回测完成：评估日 {1}，可观察样本 {0} 个。",
    "Nothing observable: every case's horizon ends after the evaluation date; choose earlier dates or a later "
    "evaluation date.": "没有可观察的样本：所有样本的观察期都在评估日之后才结束。请选择更早的日期或更晚的评估日。",
    "Nothing observable: every rating in the register has its horizon end after the evaluation date; choose a "
    "later evaluation date, or re-rate the loaded data as of earlier dates.":
        "没有可观察的样本：登记簿中所有评级的观察期都在评估日之后才结束。请选择更晚的评估日，或改为按更早的日期对已读取的数据重新评级。",
    "{0} cases observed; {1} not observable yet (their horizon ends after {2})":
        "可观察样本 {0} 个；尚不可观察 {1} 个（观察期在 {2} 之后结束）",
    "{0} left out: not trading yet on their rating date": "未计入 {0} 个：评级日期时尚未开始交易",
    "The ledger read ends on {0}, before the evaluation date {1}: later payments were not read, so some cases may "
    "be judged bad wrongly": "所读销售明细的最后日期是 {0}，早于评估日 {1}：此后的回款没有读到，部分案例可能被误判为违约",
    "{0} cases left out: the customer is not on the customer sheet read, so its payments cannot be seen":
        "未计入 {0} 个案例：客户不在本次读取的客户信用资料中，看不到其回款情况",
    "Re-rated: the customer sheet's facts (financials, status, documents) are today's, not those of each date.":
        "重新评级：客户信用资料中的信息（财务、经营状况、资料齐全情况）是当前的，而不是各评级日期当时的。",
    # the register's setting (file or team server, 连接测试) and the team's views (desktop/ui/register_dialog.py)
    "Rating register settings (file or team server)…": "评级登记簿设置（本机文件或团队服务器）…",
    "Rating register settings": "评级登记簿设置",
    "A file on this computer (one clerk)": "本机上的文件（一位经办人使用）",
    "The team's register on a database server": "数据库服务器上的团队登记簿",
    "Browse…": "浏览…", "Address": "地址",
    "postgresql://user@server:5432/database": "postgresql://用户名@服务器:5432/数据库名",
    "Empty: the password file (pgpass) or PGPASSWORD gives it": "留空：由信息部门配置的密码文件或环境变量提供",
    "A password typed here is kept only while the program is open, never in the settings file (a plain text file): "
    "ask IT for a pgpass file so that you need not type it.":
        "在这里输入的密码只在本程序打开期间保存在内存中，不会写入设置文件（设置文件是明文）。如不想每次输入，请信息部门为你配置数据库密码文件。",
    "The password typed in the address was moved to the password field: it is kept only while the program is "
    "open, never in the settings file.":
        "地址中的密码已移到密码框：它只在本程序打开期间保存在内存中，不会写入设置文件。",
    "Connection test": "连接测试", "Testing the connection…": "正在测试连接…",
    "Choose the register's file.": "请选择登记簿文件。",
    "Connection failed: {0}": "连接失败：{0}", "The file cannot be read: {0}": "无法读取该文件：{0}",
    "The file {0} does not exist yet: the first rating recorded creates it.":
        "本机文件 {0} 还不存在：第一次登记评级时会创建它。",
    "Connected to {0}.": "已连接 {0}。", "File {0}.": "本机文件 {0}。",
    "Register format {0}; {1} entries; the latest is {2}.": "登记簿格式 {0}；共 {1} 条记录；最新一条是 {2}。",
    "Register format {0}; nothing recorded yet.": "登记簿格式 {0}；还没有登记任何记录。",
    "The login {0} may record ratings and approvals (clerk).": "登录用户 {0} 可以登记评级和审批（经办角色）。",
    "It cannot read the register's key, which seals the approval forms: ask IT to grant it the clerk role.":
        "但它读不到给审批表加封用的登记簿密钥：请信息部门授予经办角色。",
    "The login {0} may only read the register (auditor): a rating made with it cannot be recorded, so it writes "
    "no file.": "登录用户 {0} 只能查阅登记簿（审计角色）：用它评级时无法登记，评级也不会写出任何文件。",
    "Ratings can be recorded in it.": "可以在其中登记评级。",
    "The file or its folder is read-only: the register can be read, but no rating can be recorded in it.":
        "该文件或其所在文件夹是只读的：可以查阅登记簿，但无法在其中登记评级。",
    "Rating register: reviews due and history…": "评级登记簿：复评到期与客户历史…",
    "Rating register: reviews due and history": "评级登记簿：复评到期与客户历史",
    "Register": "登记簿", "Show": "查询", "Reviews due": "复评到期", "Customer history": "客户历史",
    "Next review on or before": "下次复评日期不晚于", "Rated as of": "评级基准日", "Rating run": "评级批次",
    "Level change": "等级变化", "Rated by": "评级人", "Approval": "审批结果", "Approved by": "审批人",
    "Reading the rating register…": "正在读取评级登记簿…", "Type the customer ID first.": "请先输入客户编号。",
    "{0} customers due for review by {1}": "截至 {1} 需要复评的客户 {0} 个",
    "{0}: {1} ratings": "{0}：共 {1} 次评级", "No rating of customer {0} in the register.": "登记簿中没有客户 {0} 的评级。",
}

FIELD_WORDS_ZH = {
    "customer_id": "客户编号", "name": "客户名称", "customer_name": "客户名称", "credit_code": "统一社会信用代码",
    "salesperson": "业务员", "sales_manager": "销售部经理", "group": "所属集团", "first_trade_date": "首次合作日期",
    "registered_capital": "注册资本", "agreement": "年度合作协议", "license": "营业执照",
    "tax_registration": "税务登记证", "org_code": "组织机构代码证", "operating_status": "经营状况",
    "revenue_trend": "营业额趋势", "sued_by_suppliers": "被其他供应商起诉", "total_assets": "资产总额",
    "total_liabilities": "负债总额", "current_assets": "流动资产", "current_liabilities": "流动负债",
    "current_term_days": "现行账期", "requested_term_days": "申请账期", "requested_limit": "申请额度",
    "request_reason": "申请理由", "invoice_no": "发票号码", "invoice_date": "开票日期", "amount": "金额",
    "due_date": "到期日", "term_days": "账期", "paid_date": "回款日期", "paid_amount": "回款金额",
    "date": "回款日期",
}
