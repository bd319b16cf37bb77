"""The one catalogue: every text a clerk, a sales manager or an auditor reads, in Chinese and English.

Its parts, one place each:

- here, ``CATALOGUE``: messages, a code and its named values (below);
- ``desktop.messages.window``: the window's words (English source text -> Chinese, what ``tr()``
  and ``Language.text`` are given) and the mapping dialog's field names;
- ``desktop.messages.workbooks``: the words of every workbook we write, key -> (Chinese, English),
  with the rule codes', fields', data bases' and policy settings' names;
- ``desktop.messages.rows``: the row problems the readers find, English pattern -> Chinese.

``tests/test_catalogue.py`` walks every part and fails on a missing or untranslated text.

A message is a code and its named values: ``text("error.file_not_found", "zh", file="a.xlsx")``.
The texts say what happened, where (file, sheet, row, column) and what to do, in the clerk's
words: no option names, key paths or library names (the technical detail goes to the log).
Codes are grouped by prefix, one section per part of the program:
``error.*`` (reading, writing, rating, the register), ``policy.*`` (policy problems and
differences), ``mapping.*`` (column mapping and its profiles), ``cli.*`` (command-line lines),
``input.*`` (files named as inputs and left out),
``rule.*`` (the data each rule fired on, as a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LANGS = ("zh", "en")

# code -> (Chinese, English); values by name: {file}, {sheet}, {row}, {column}, ...
CATALOGUE: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ errors (error.*)
    "error.unknown": ("发生了无法识别的问题：{detail}", "Something went wrong: {detail}"),
    # Each text says what happened, to which file (sheet, row, column) and what to do. The values:
    # {file} the file's path as given, {sheet} a sheet's name, {folder} a folder; numbers come
    # formatted (1,048,576). Option names of the command line are added by desktop.cli (cli.hint.*).
    # -- reading an input file
    "error.file.unsupported_type": ("文件 {file} 的类型（{suffix}）无法读取。请选择 Excel 工作簿或 CSV 文件（{supported}）。",
                                    "{file}: unsupported file type '{suffix}' (supported: {supported})"),
    "error.file.not_a_file": ("{file} 不是文件（而是文件夹或设备），无法读取。请选择 Excel 工作簿或 CSV 文件。",
                              "{file}: not a file (a folder, a device or a pipe)"),
    "error.file.not_found": ("找不到文件 {file}：它可能已被移动、改名或删除。请重新选择该文件。",
                             "{file}: file not found"),
    "error.file.locked": ("文件 {file} 无法打开：它可能正在 Excel 中打开，或您没有权限。请关闭后重试。",
                          "{file}: cannot be opened: it is locked by another program (is it open in Excel?) or you "
                          "have no permission. Close it and try again."),
    "error.file.cannot_read": ("文件 {file} 读取时出错。请检查它所在的磁盘或网络位置后重试。",
                               "{file}: cannot be read; check the disk or network drive it is on and try again"),
    "error.file.xlsb": ("文件 {file} 是 Excel 二进制工作簿（.xlsb），无法读取。请在 Excel 中打开，另存为 Excel 工作簿（.xlsx）后再打开。",
                        "{file}: an Excel binary workbook (.xlsb) is not read: open it in Excel and save it as an "
                        "Excel workbook (.xlsx)"),
    "error.file.password_needed": ("工作簿 {file} 设有打开密码，请输入密码后打开。",
                                   "{file}: the workbook is protected with a password; enter it to open the file"),
    "error.file.wrong_password": ("输入的密码无法打开工作簿 {file}，请检查密码后重试。",
                                  "{file}: the password does not open this workbook"),
    "error.file.csv_binary": ("文件 {file} 不是文本格式的 CSV 文件（内容不是文字）。请确认选择了正确的文件。",
                              "{file}: not a text CSV file (binary content)"),
    "error.file.entities": ("已拒绝读取文件 {file}：其中含有工作簿不应有的内容（文件可能已损坏或被恶意改动）。请在 Excel 中打开并另存后再试。",
                            "{file}: refused: the workbook's XML declares entities (an entity-expansion attack or a "
                            "damaged file)"),
    "error.file.not_readable": ("文件 {file} 无法读取：它不是可以打开的 {kind} 工作簿（文件可能已损坏，或只是改了扩展名）。请在 Excel 中打开确认，另存后再试。",
                                "{file}: not a readable {kind} workbook (damaged, or not a workbook under a "
                                "workbook's name)"),
    "error.file.damaged": ("文件 {file} 无法读取：它不是可以打开的 {kind} 工作簿，文件已损坏或不完整（可能没有完整复制或下载）。请重新复制该文件，或在 Excel 中打开并另存后再试。",
                           "{file}: not a readable {kind} workbook (the file is damaged or incomplete)"),
    "error.file.parts_twice": ("已拒绝读取文件 {file}：文件内部有两个同名的部分（文件可能已损坏或被改动）。请在 Excel 中打开并另存后再试。",
                               "{file}: refused: the file holds two parts of one name (a damaged or altered file?); "
                               "open it in Excel and save it again"),
    "error.file.too_large": ("已拒绝读取文件 {file}：解压后超过 {limit_mb} MB 的上限（文件可能已损坏或含恶意内容）。只有确认文件可信时，才请系统管理员提高上限。",
                             "{file}: refused: it unpacks to more than the limit of {limit_mb} MB (a damaged or "
                             "malicious file?). Only for a file you trust, ask your administrator to raise the limit."),
    "error.file.strings_count": ("已拒绝读取文件 {file}：文件声明有 {declared} 个文本，但最多只能容纳 {room} 个（文件可能已损坏或含恶意内容）。",
                                 "{file}: refused: its shared-strings part declares {declared} strings but has room for "
                                 "at most {room} (a damaged or malicious file?)"),
    "error.file.beyond_excel": ("已拒绝读取文件 {file}：有工作表的内容超出 Excel 工作表的最大范围（{rows} 行、{cols} 列），文件可能已损坏或含恶意内容。",
                                "{file}: refused: a sheet holds values beyond the largest sheet Excel allows ({rows} "
                                "rows, {cols} columns): a damaged or malicious file?"),
    "error.file.too_many_cells": ("已拒绝读取文件 {file}：重复的行和单元格展开后超过 {limit} 个单元格（文件可能已损坏或含恶意内容）。",
                                  "{file}: refused: its repeated rows and cells expand to more than {limit} cells: a "
                                  "damaged or malicious file?"),
    "error.sheet.cannot_read": ("文件 {file} 的工作表“{sheet}”无法读取（可能已损坏）。请在 Excel 中打开并另存后再试。",
                                "{file}, sheet '{sheet}': cannot be read"),
    "error.sheet.beyond_excel": ("已拒绝读取文件 {file} 的工作表“{sheet}”：单元格 {cell} 超出 Excel 工作表的最大范围（{rows} 行、{cols} 列），文件可能已损坏或含恶意内容。",
                                 "{file}, sheet '{sheet}': refused: a cell at {cell} lies beyond the largest sheet Excel "
                                 "allows ({rows} rows, {cols} columns): a damaged or malicious file?"),
    "error.sheet.sparse": ("已拒绝读取文件 {file} 的工作表“{sheet}”：它的使用范围延伸到 {cell}（{area} 个单元格），但只有 {cells} 个单元格有内容，"
                           "远离数据的第 {row} 行、{column} 列附近还有内容。请在 Excel 中删除它并保存，然后重新读取。",
                           "{file}, sheet '{sheet}': refused: its used range reaches {cell} ({area} cells) but holds only "
                           "{cells} cells: something lies far from the data (row {row}, column {column}); delete it "
                           "in Excel and save, then read it again."),
    "error.sheet.too_many_cells": ("已拒绝读取文件 {file} 的工作表“{sheet}”：它的使用范围延伸到 {cell}，共 {area} 个单元格，超过 {limit} 个的上限。"
                                   "请删除远离数据的内容；只有确认文件可信时，才请提高上限。",
                                   "{file}, sheet '{sheet}': refused: its used range reaches {cell}, {area} cells, over "
                                   "the limit of {limit}. Delete what lies far from the data, or raise the limit for a "
                                   "file you trust."),
    "error.sheet.not_found": ("文件 {file} 中没有名为“{sheet}”的工作表（现有工作表：{sheets}）。",
                              "{file}: no sheet named '{sheet}' (sheets: {sheets})"),
    "error.sheet.no_header": ("在文件 {file} 的工作表“{sheet}”的前几行中找不到{kind}的表头（需要有这些列：{columns}）。请检查表头，或手动指定列的对应关系。",
                              "{file}, sheet '{sheet}': no header row of a {kind} sheet found in the first rows (it "
                              "needs columns {columns})"),
    "error.file.no_header": ("在文件 {file} 的前几行中找不到{kind}的表头（需要有这些列：{columns}）。请检查表头，或手动指定列的对应关系。",
                             "{file}: no header row of a {kind} sheet found in the first rows (it needs columns "
                             "{columns})"),
    "error.kind.customers": ("客户信用资料", "customers"),
    "error.kind.ledger": ("销售明细", "ledger"),
    "error.kind.receipts": ("回款明细", "receipts"),
    "error.columns.and": ("{a}、{b}", "{a} and {b}"),
    "error.columns.or": ("{a}或{b}", "{a}/{b}"),
    # -- the results workbook and the approval forms read back
    "error.results.not_results": ("文件 {file} 不是本程序导出的评级结果工作簿（没有评级记录表）。请选择该次评级导出的评级结果工作簿。",
                                  "{file}: not a results workbook written by Credit Desk (no record of its run)"),
    "error.results.facts_damaged": ("文件 {file} 的评级记录（工作表 {sheet} 第 {row} 行）已损坏。请重新导出评级结果。",
                                    "{file}, sheet {sheet}, row {row}: the record of the run's facts is damaged; export "
                                    "the results again"),
    "error.layout.unreadable": ("表单版式文件 {file} 无法读取（可能已损坏）。请重新安装本程序或联系管理员。",
                                "{file}: the form layout cannot be read"),
    "error.layout.invalid": ("表单版式文件 {file} 有误，无法生成审批表。请重新安装本程序或联系管理员。",
                             "{file}: the form layout is invalid"),
    "error.approvals.none_read": ("没有读到任何审批表，未写入审批结果：{problems}",
                                  "No approval form was read, and no decisions workbook was written: {problems}"),
    "error.approvals.file_problem": ("文件 {file}：{problem}", "{file}: {problem}"),
    # -- rating
    "error.nothing.no_data_rows": ("没有可评级的客户：客户信用资料表 {file} / {sheet} 只有表头，没有数据行。请填入客户资料后重新评级。",
                                   "Nothing to rate: the customer sheet {file} / {sheet} has a header row but no data "
                                   "rows"),
    "error.nothing.none_read": ("没有可评级的客户：客户信用资料表中没有一行能读取（{problems}）。请按“数据问题”中列出的问题修改后重新评级。",
                                "Nothing to rate: no customer could be read from the customer sheet ({problems})"),
    "error.nothing.row_problem": ("工作表“{sheet}”第 {row} 行 {column}：{problem}", "{sheet}!{row} {column}: {problem}"),
    "error.nothing.no_customer_sheet": ("没有可评级的客户：所读文件中没有客户信用资料表（{found}）。客户信用资料表需要有“客户编号”和“客户名称”两列；"
                                        "请在“文件与工作表”中指定哪一张是客户信用资料表。",
                                        "Nothing to rate: no customer sheet was found among the inputs ({found}); a "
                                        "customer sheet needs the columns 客户编号 and 客户名称"),
    "error.found.empty": ("{where}：空白", "{where}: empty"),
    # -- back-testing and comparing ratings (回测, 对比)
    "error.backtest.no_customers": ("无法回测：所读文件中没有客户信用资料表。要靠客户信用资料表才能把销售明细对应到各个客户；请把它与销售明细一起选上后重新回测。",
                                    "Cannot back-test: no customer sheet was found among the inputs; it is needed to "
                                    "link the ledger to the customers: add it beside the ledger and run the "
                                    "back-test again"),
    "error.backtest.no_runs": ("无法回测：评级登记簿 {file} 中没有评估基准日在评估日 {evaluation} 当天或之前的评级。请换一个登记簿，或改用按较早日期重新评级。",
                               "Cannot back-test: the rating register {file} holds no run assessed on or before the "
                               "evaluation date {evaluation}. Choose another register, or re-rate as of earlier dates."),
    "error.backtest.no_ledger": ("无法回测：所读文件中没有销售明细（或其中没有一行可用）。回测要看评级之后的开票与回款，请把截至评估日的销售明细一起选上。",
                                 "Cannot back-test: the files read hold no sales ledger (or no usable row of one). "
                                 "The back-test reads the invoices and payments after each rating: add the ledger "
                                 "up to the evaluation date."),
    "error.backtest.no_source": ("无法回测：请选择案例的来源：评级登记簿中过去的评级，或一个或几个较早的重新评级日期。",
                                 "Cannot back-test: choose where its cases come from: the past runs of the rating "
                                 "register, or one or more earlier dates to re-rate the data as of"),
    "error.backtest.rerate_after": ("重新评级日期 {day} 不早于评估日 {evaluation}：每个重新评级日期都必须早于评估日，才能看到此后的回款情况。",
                                    "the re-rating date {day} is not before the evaluation date {evaluation}: each "
                                    "must come before it, so that what was paid afterwards can be seen"),
    "error.compare.no_run": ("评级登记簿 {file} 中没有编号为 {run} 的评级。请核对评级编号（评级结果工作簿的审计页上有本次评级的编号）。",
                             "{file}: the rating register holds no run {run}; check the run's ID (the results "
                             "workbook's audit sheet gives it)"),
    "error.compare.two_runs": ("比较两次评级需要两次评级的编号，以及记录了它们的评级登记簿。",
                               "Comparing two runs needs both runs' IDs and the rating register that recorded them"),
    "error.compare.two_policies": ("比较两个政策需要第二个政策文件。", "Comparing two policies needs the second policy file"),
    "error.found.no_header": ("{where}：没有识别出表头", "{where}: no header row recognised"),
    "error.found.unreadable": ("{where}：无法读取", "{where}: cannot be read"),
    "error.found.read_as": ("{where}：作为{kind}读取", "{where}: read as a {kind}"),
    "error.found.none": ("没有任何工作表", "no sheet at all"),
    "error.found.more": ("另有 {count} 张工作表", "and {count} more sheets"),
    "error.found.kind.customers": ("客户信用资料", "customer sheet"),
    "error.found.kind.ledger": ("销售明细", "sales ledger"),
    "error.found.kind.receipts": ("回款明细", "receipts list"),
    "error.as_of_range": ("评估基准日 {day} 超出可用范围（{first} 至 {last}），请选择其间的日期。",
                          "the assessment date {day} is outside {first} to {last}"),
    "error.customers_not_rated": ("以下客户不在本次评级中：{ids}", "not among the customers rated: {ids}"),
    "error.customers_not_rated_more": ("以下客户不在本次评级中：{ids}，另有 {more} 个",
                                       "not among the customers rated: {ids} and {more} more"),
    "error.no_customer_named": ("没有指定要生成明细底稿的客户。", "no customer named for the working papers"),
    "error.stale": ("这次评级的结果已不可用，请按 F5 重新评级。", "The rating is no longer available; rate again."),
    "error.run_not_registered": ("评级 {run} 不在评级登记簿 {register} 中，无法确认这些审批表。请选择该次评级的评级结果工作簿（将与它核对，并提示登记簿无法确认）。",
                                 "run {run} is not in the rating register {register}; give the results workbook of "
                                 "that run (its forms are then checked against it, with a warning)"),
    "error.run_other_policy": ("评级 {run} 使用的是另一份信用政策文件（SHA-256 {sha}…），请选择当时使用的信用政策文件后再读取。",
                               "run {run} was rated with another policy file (SHA-256 {sha}…); choose that policy "
                               "file"),
    # -- writing the outputs
    "error.output.is_input": ("{file} 是读入的文件之一，不能覆盖。请为输出文件另取一个名称（读入的文件不会被覆盖）。",
                              "{file}: is one of the input files; choose another output name (inputs are never "
                              "overwritten)"),
    "error.output.is_register": ("{file} 是评级登记簿，不能作为输出文件。请为输出文件另取一个名称。",
                                 "{file}: is the rating register; give the output another name"),
    "error.output.twice": ("{file} 被指定为两个输出文件，请为每个输出文件分别命名。",
                           "{file}: named for two outputs; give each output a file of its own"),
    "error.output.twice_case": ("{file} 和 {other} 只差大小写，在 Windows 上是同一个文件，请为每个输出文件分别命名。",
                                "{file} and {other}: named for two outputs, differing only in capitals (one file on "
                                "Windows); give each output a name of its own"),
    "error.output.cannot_make_folder": ("无法创建文件夹 {folder}，{file} 未写入。请选择其他文件夹。",
                                        "{file}: cannot create the folder {folder}"),
    "error.output.read_only_disk": ("{folder} 所在的磁盘是只读的，{file} 未写入。请选择可以写入的文件夹。",
                                    "{file}: {folder} is on a read-only disk; choose a folder that can be written"),
    "error.output.no_permission": ("您没有在文件夹 {folder} 中写入的权限，{file} 未写入。请选择其他文件夹。",
                                   "{file}: no permission to write in {folder}"),
    "error.output.cannot_write_in": ("无法在文件夹 {folder} 中写入，{file} 未写入。请选择其他文件夹后重试。",
                                     "{file}: cannot write in {folder}"),
    "error.output.not_put_back": ("原来的文件未能全部恢复（保存为 {kept}），请手动改回原来的名称。",
                                  "the previous files could not all be put back (they are kept as {kept}); rename them "
                                  "back by hand"),
    # a target that cannot be replaced: the owner file beside it says who has it open ({user}: the name
    # that program was given), else another program holds it for a while (antivirus, indexer, OneDrive)
    "error.output.open_in_excel": ("文件 {file} 正在 Excel 或 WPS 中打开（打开者：{user}），无法替换。请关闭该文件后重试。原文件未改动。",
                                   "{file}: cannot be replaced: it is open in Excel or WPS (opened by {user}); close "
                                   "it and try again. The previous file is unchanged."),
    "error.output.open_in_excel_unnamed": ("文件 {file} 正在 Excel 或 WPS 中打开，无法替换。请关闭该文件后重试。原文件未改动。",
                                           "{file}: cannot be replaced: it is open in Excel or WPS; close it and try "
                                           "again. The previous file is unchanged."),
    "error.output.open_in_libreoffice": ("文件 {file} 正在 LibreOffice 中打开（打开者：{user}），无法替换。请关闭该文件后重试。原文件未改动。",
                                         "{file}: cannot be replaced: it is open in LibreOffice (opened by {user}); "
                                         "close it and try again. The previous file is unchanged."),
    "error.output.open_in_libreoffice_unnamed": ("文件 {file} 正在 LibreOffice 中打开，无法替换。请关闭该文件后重试。原文件未改动。",
                                                 "{file}: cannot be replaced: it is open in LibreOffice; close it and "
                                                 "try again. The previous file is unchanged."),
    "error.output.open_elsewhere": ("文件 {file} 无法替换：另一个程序正在使用该文件（例如杀毒软件、Windows 搜索或 OneDrive 同步）。"
                                    "请稍后重试；如果一直如此，可能是您没有替换它的权限。原文件未改动。",
                                    "{file}: cannot be replaced: another program is using the file (antivirus, "
                                    "Windows Search or OneDrive syncing, for example); try again in a moment. If it "
                                    "stays so, you may have no permission to replace it. The previous file is "
                                    "unchanged."),
    "error.output.read_only_file": ("文件 {file} 是只读的，无法替换。请在该文件的“属性”中取消“只读”后重试，或另取一个名称。原文件未改动。",
                                    "{file}: cannot be replaced: the file is read-only; clear “Read-only” in its "
                                    "Properties, or choose another name. The previous file is unchanged."),
    "error.output.unsafe": ("文件 {file} 无法安全替换，原文件未改动。",
                            "{file}: cannot be replaced safely. The previous file is unchanged."),
    "error.output.cannot_write": ("文件 {file} 写入时出错，原文件未改动。请检查磁盘后重试。",
                                  "{file}: cannot be written. The previous file is unchanged."),
    "error.output.no_permission_file": ("您没有写入文件 {file} 的权限，原文件未改动。",
                                        "{file}: no permission to write. The previous file is unchanged."),
    "error.output.temp_full": ("临时文件夹 {temp} 所在的磁盘已满，{file} 未写入。请在该磁盘上腾出空间后重新导出。原文件未改动。",
                               "{file}: the temporary folder {temp} is full (no space left on its disk); free some "
                               "space there and export again. The previous file is unchanged."),
    "error.output.disk_full": ("磁盘已满，{file} 未写入。请腾出空间后重新导出。原文件未改动。",
                               "{file}: the disk is full; free some space and export again. The previous file is "
                               "unchanged."),
    # -- the rating register ({file}: the register file)
    "error.register.kept_busy": ("其他窗口一直在评级登记簿 {file} 中登记评级，本次未登记也未写入任何文件。请重新评级。",
                                 "{file}: other windows kept recording runs in the rating register; nothing was "
                                 "recorded or written, rate again"),
    "error.register.is_input": ("评级登记簿 {file} 是读入的文件之一。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                "{file}: the rating register is one of the input files; choose another register file"),
    "error.register.not_a_register": ("{file} 不是评级登记簿。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                      "{file}: not a rating register (not an SQLite database); choose another register "
                                      "file under File → Rating register location…"),
    "error.register.empty_file": ("{file} 是一个空文件，不是评级登记簿（其中从未登记过评级）。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                  "{file}: not a rating register (an empty file: no run was ever recorded in it); "
                                  "choose another register file under File → Rating register location…"),
    "error.register.none_yet": ("{file} 处还没有评级登记簿（第一次评级时会自动创建）。",
                                "{file}: no rating register there yet (it is created by the first rating run)"),
    "error.register.folder_is_file": ("评级登记簿 {file} 无法创建：{folder} 是文件而不是文件夹。请在“文件 → 评级登记簿位置…”中选择可以写入的登记簿文件。",
                                      "{file}: the rating register cannot be created there: {folder} is a file, not a "
                                      "folder; choose a register file that can be written under File → Rating register location…"),
    "error.register.pending_unreadable": ("评级登记簿 {file} 所在文件夹是只读的，旁边的 {side} 中还有尚未并入的记录，且无法复制出来读取。请把这两个文件复制到可以写入的文件夹，再读取副本。",
                                          "{file}: its folder is read-only and {side} beside it holds entries not yet "
                                          "merged into it, which could not be copied to read them; copy both files "
                                          "into a folder that can be written and read the copy"),
    "error.register.foreign_database": ("{file} 是一个数据库，但不是评级登记簿。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                        "{file}: an SQLite database, but not a rating register; choose another register "
                                        "file under File → Rating register location…"),
    "error.register.newer": ("评级登记簿 {file} 由较新版本的程序写入（格式 {version}，本程序能读格式 {ours}）。请升级本程序，或在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                             "{file}: written by a newer Credit Desk (register format {version}, this program reads "
                             "{ours}); update Credit Desk or choose another register file under File → Rating register location…"),
    "error.register.newer_team": ("团队评级登记簿 {file} 由较新版本的程序建立或升级（格式 {version}，本程序能读格式 {ours}），未读写任何内容。请向信息部门索取团队所用的新版本并安装，或在“文件 → 评级登记簿设置…”中选择另一个登记簿。",
                                  "{file}: the team register was created or upgraded by a newer Credit Desk (format "
                                  "{version}, this program reads {ours}); nothing was read or written. Ask IT for the "
                                  "version the team uses, or choose another register under File → Rating register "
                                  "settings…"),
    "error.register.read_only_opened": ("评级登记簿 {file} 以只读方式打开，未登记任何内容。",
                                        "{file}: the rating register was opened read-only, for reading; nothing was "
                                        "recorded"),
    "error.register.run_there": ("评级 {run} 已在评级登记簿 {file} 中，未重复登记。",
                                 "{file}: run {run} is already in the rating register; it was not recorded again"),
    "error.register.key_damaged": ("评级登记簿 {file} 的校验密钥已损坏。请核对登记簿，并与审计保存的登记簿副本比对。",
                                   "{file}: the register's seal key is damaged; checking the register and the "
                                   "auditor's copy of the register can tell what else changed"),
    "error.register.key_replaced": ("评级登记簿 {file} 的校验密钥已不是登记评级 {run} 时的那一个（已被替换或删除），没有任何表单据此核对。请向审计索取登记簿的备份。",
                                    "{file}: the register's seal key is not the one run {run} was recorded with (it "
                                    "was replaced or removed); no form is checked against it — ask the auditor for "
                                    "the register's backup"),
    "error.register.entry_changed": ("评级登记簿 {file} 中评级 {run} 的第 {seq} 条记录在登记后被改动过，不据此核对任何内容。请核对登记簿，查看改动之处。",
                                     "{file}: entry #{seq} of run {run} was changed after it was recorded; nothing is "
                                     "checked against it (checking the register lists what changed)"),
    "error.register.entry_unreadable": ("评级登记簿 {file} 的第 {seq} 条记录无法读取（内容不是本程序登记的）。请核对登记簿，查看问题所在。",
                                        "{file}: entry #{seq} of the rating register cannot be read (its content is not "
                                        "what Credit Desk records); checking the register lists what is wrong with it"),
    "error.register.busy": ("评级登记簿 {file} 被其他窗口或程序占用超过 {seconds} 秒（可能正在长时间写入或备份）。请等它完成后重试。",
                            "{file}: the rating register stayed busy for {seconds} s (another window or program is "
                            "using it: a long write, a backup); wait for it to finish and try again"),
    "error.register.busy_write": ("评级登记簿 {file} 被其他窗口或程序占用超过 {seconds} 秒（可能正在长时间写入或备份），未登记任何内容。请等它完成后重试。",
                                  "{file}: the rating register stayed busy for {seconds} s (another window or program "
                                  "is using it: a long write, a backup); nothing was recorded; try again when it has "
                                  "finished"),
    "error.register.disk_full": ("评级登记簿 {file} 所在的磁盘已满。请腾出空间后重试，或在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                 "{file}: the disk is full; free some space on it and try again, or choose another "
                                 "register file under File → Rating register location…"),
    "error.register.disk_full_write": ("评级登记簿 {file} 所在的磁盘已满，未登记任何内容。请腾出空间后重试，或在“文件 → 评级登记簿位置…”中选择可以写入的登记簿文件。",
                                       "{file}: the disk is full; nothing was recorded; free some space on it and try "
                                       "again, or choose a register file that can be written under File → Rating register location…"),
    "error.register.a_folder": ("{file} 是文件夹，不是评级登记簿文件。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                "{file}: a folder, not a rating register file; choose another register file under File "
                                "→ Rating register location…"),
    "error.register.read_only": ("评级登记簿 {file} 是只读的（{reason}），未登记任何内容。请在“文件 → 评级登记簿位置…”中选择可以写入的登记簿文件。",
                                 "{file}: the rating register is read-only ({reason}); nothing was recorded; choose a "
                                 "register file that can be written under File → Rating register location…"),
    "error.register.reason.disk": ("它在只读的磁盘或共享文件夹上", "it is on a read-only disk or share"),
    "error.register.reason.file": ("文件是只读的", "the file is read-only"),
    "error.register.reason.folder": ("它所在的文件夹 {folder} 是只读的，而登记簿需要在旁边保存工作文件",
                                     "its folder {folder} is read-only, and the register keeps working files beside it"),
    "error.register.reason.system": ("系统不允许写入", "the system refuses writing"),
    "error.register.cannot_open_write": ("评级登记簿 {file} 无法以写入方式打开，未登记任何内容。请检查该文件及其文件夹可以写入，或在“文件 → 评级登记簿位置…”中选择可以写入的登记簿文件。",
                                         "{file}: the rating register cannot be opened for writing; nothing was "
                                         "recorded; check that the file and its folder can be written, or choose a "
                                         "register file that can be written under File → Rating register location…"),
    "error.register.cannot_access": ("评级登记簿 {file} 无法{doing}。请检查该文件及其文件夹可以读取，或在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                     "{file}: the rating register cannot be {doing}; check that the file and its folder "
                                     "can be read, or choose another register file under File → Rating register location…"),
    "error.register.drive_failed": ("{doing}评级登记簿 {file} 时磁盘或网络驱动器出错。请检查驱动器后重试。",
                                    "{file}: the disk or network drive failed while the rating register was {doing}; "
                                    "check the drive and try again"),
    "error.register.drive_failed_write": ("{doing}评级登记簿 {file} 时磁盘或网络驱动器出错，未登记任何内容。请检查驱动器后重试。",
                                          "{file}: the disk or network drive failed while the rating register was "
                                          "{doing}; nothing was recorded; check the drive and try again"),
    "error.register.cannot": ("评级登记簿 {file} 无法{doing}。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                              "{file}: the rating register cannot be {doing}; choose another register file under File "
                              "→ Rating register location…"),
    "error.register.cannot_write": ("评级登记簿 {file} 无法{doing}，未登记任何内容。请在“文件 → 评级登记簿位置…”中选择可以写入的登记簿文件。",
                                    "{file}: the rating register cannot be {doing}; nothing was recorded; choose a "
                                    "register file that can be written under File → Rating register location…"),
    "error.register.damaged": ("评级登记簿 {file} 无法{doing}：文件已损坏，或不是评级登记簿。请从备份恢复，或在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                               "{file}: the rating register cannot be {doing}: the file is damaged, or it is not a "
                               "rating register; restore it from a backup or choose another register file under File "
                               "→ Rating register location…"),
    "error.register.no_memory": ("{doing}评级登记簿 {file} 时内存不足。请关闭其他程序后重试。",
                                 "{file}: not enough memory while the rating register was {doing}; close other programs "
                                 "and try again"),
    "error.register.no_memory_write": ("{doing}评级登记簿 {file} 时内存不足，未登记任何内容。请关闭其他程序后重试。",
                                       "{file}: not enough memory while the rating register was {doing}; nothing was "
                                       "recorded; close other programs and try again"),
    "error.register.foreign_tables": ("{file} 是一个数据库，但不是评级登记簿（缺少登记簿的表）。请在“文件 → 评级登记簿位置…”中选择另一个登记簿文件。",
                                      "{file}: an SQLite database, but not a rating register (its tables are not a "
                                      "register's); choose another register file under File → Rating register location…"),
    # a register on a network path (desktop.io.local_disk): refused before anything opens it
    "error.register.on_network": ("评级登记簿 {file} 在网络位置上（{where}），未打开。登记簿文件只能放在这台电脑自己的磁盘上；要查看网络上的登记簿，请先把它复制到本机磁盘，再打开副本。团队共用请使用数据库服务器上的团队登记簿（以后的版本提供）。",
                                  "{file}: the rating register is on a network location ({where}) and was not "
                                  "opened. An SQLite register must be on this computer's own disk; to read one on "
                                  "the network, copy it to this computer first and open the copy. A team shares "
                                  "one register on a database server (the team register, in a later version)."),
    "error.register.on_network_write": ("评级登记簿 {file} 在网络位置上（{where}），未登记任何内容。登记簿文件只能放在这台电脑自己的磁盘上：请在“文件 → 评级登记簿位置…”中选择本机磁盘上的文件。团队共用请使用数据库服务器上的团队登记簿（以后的版本提供）。",
                                        "{file}: the rating register is on a network location ({where}); nothing "
                                        "was recorded. An SQLite register must be on this computer's own disk: "
                                        "choose a file on this computer's disk under File → Rating register "
                                        "location…. A team shares one register on a database server (the team "
                                        "register, in a later version)."),
    "error.register.old_not_carried": ("旧版本的评级登记簿 {old} 还没有复制到 {file}（启动时复制失败：它可能正被另一个程序使用，或已损坏），本次未登记任何内容，也未写入任何文件，以免评级历史从此分成两份。请关闭其他打开它的程序后重试；如果旧登记簿已损坏，请把它移到别处（或改名）后重试。",
                                       "The old version's rating register {old} has not been copied to {file} yet "
                                       "(the copy at start-up failed: another program may be using it, or it is "
                                       "damaged); nothing was recorded or written, so that the rating history does "
                                       "not split in two. Close any other program that has it open and try again; "
                                       "if the old register is damaged, move it elsewhere (or rename it) and try "
                                       "again."),
    "error.register.on_network_choice": ("{file} 在网络位置上（{where}），不能用作评级登记簿。登记簿文件只能放在这台电脑自己的磁盘上：请选择本机磁盘上的文件。团队共用请使用数据库服务器上的团队登记簿（以后的版本提供）。",
                                         "{file} is on a network location ({where}) and cannot be the rating "
                                         "register. An SQLite register must be on this computer's own disk: choose "
                                         "a file on this computer's disk. A team shares one register on a database "
                                         "server (the team register, in a later version)."),
    "error.register.where.share": ("网络共享文件夹 {share}", "the network share {share}"),
    "error.register.where.drive": ("网络驱动器 {drive}", "the network drive {drive}"),
    "error.register.where.mount": ("挂载在 {mount} 的网络文件系统", "a network file system mounted at {mount}"),
    # -- the team register on a database server ({file}: its address, the password shown as ***)
    "error.register.pg_unreachable": ("无法连接评级登记簿所在的数据库服务器 {file}（服务器未开启、地址或端口有误，或网络不通）。请检查网络后重试，或请信息部门检查服务器。",
                                      "{file}: the database server of the rating register cannot be reached (it is "
                                      "not running, the address or port is wrong, or the network is down); check "
                                      "the network and try again, or ask IT to check the server"),
    "error.register.pg_unreachable_write": ("无法连接评级登记簿所在的数据库服务器 {file}（服务器未开启、地址或端口有误，或网络不通），本次未登记任何内容，也未写入任何文件。请检查网络后重试，或请信息部门检查服务器。",
                                            "{file}: the database server of the rating register cannot be reached "
                                            "(it is not running, the address or port is wrong, or the network is "
                                            "down); nothing was recorded or written. Check the network and try "
                                            "again, or ask IT to check the server"),
    "error.register.pg_auth": ("数据库服务器 {file} 拒绝了这个登录（用户名或密码不对，或服务器不允许从这台电脑登录）。请核对用户名和密码，或请信息部门开通。",
                               "{file}: the database server refused the login (wrong user name or password, or the "
                               "server does not accept this login from this computer); check the user name and "
                               "password, or ask IT to give access"),
    "error.register.pg_auth_write": ("数据库服务器 {file} 拒绝了这个登录（用户名或密码不对，或服务器不允许从这台电脑登录），本次未登记任何内容，也未写入任何文件。请核对用户名和密码，或请信息部门开通。",
                                     "{file}: the database server refused the login (wrong user name or password, "
                                     "or the server does not accept this login from this computer); nothing was "
                                     "recorded or written. Check the user name and password, or ask IT to give "
                                     "access"),
    "error.register.pg_no_database": ("数据库服务器上没有地址 {file} 所指的数据库。请核对登记簿地址中的数据库名，或请信息部门创建。",
                                      "{file}: the database server has no database of that name; check the "
                                      "database name in the register's address, or ask IT to create it"),
    "error.register.pg_no_database_write": ("数据库服务器上没有地址 {file} 所指的数据库，本次未登记任何内容，也未写入任何文件。请核对登记簿地址中的数据库名，或请信息部门创建。",
                                            "{file}: the database server has no database of that name; nothing was "
                                            "recorded or written. Check the database name in the register's "
                                            "address, or ask IT to create it"),
    "error.register.pg_permission": ("这个登录无权读取评级登记簿 {file}。请信息部门授予登记簿的读取权限（经办或审计角色）。",
                                     "{file}: this login may not read the rating register; ask IT to grant it the "
                                     "register's clerk or auditor role"),
    "error.register.pg_permission_write": ("这个登录无权在评级登记簿 {file} 中登记，本次未登记任何内容，也未写入任何文件。请信息部门授予登记簿的经办角色。",
                                           "{file}: this login may not record in the rating register; nothing was "
                                           "recorded or written. Ask IT to grant it the register's clerk role"),
    "error.register.pg_init_rights": ("这个登录无权在 {file} 中建立评级登记簿：建立登记簿和它的角色需要数据库的超级用户登录。未建立或更改任何内容。请信息部门用超级用户登录再运行一次。",
                                      "{file}: this login may not create the rating register: creating it and its "
                                      "roles needs a superuser's login. Nothing was created or changed. Ask IT to "
                                      "run it again with a superuser's login"),
    "error.register.pg_no_key": ("这个登录可以查看评级登记簿 {file}，但不能使用登记簿的印章密钥：审批表的盖章和核对印章只有经办角色能做。本次未登记任何内容，也未写入任何文件。请信息部门授予这个登录登记簿的经办角色，或用经办人员的登录。",
                                 "{file}: this login may read the rating register but not use its seal key: only "
                                 "the clerk role seals approval forms and checks their seals. Nothing was recorded "
                                 "or written. Ask IT to grant this login the register's clerk role, or use a "
                                 "clerk's login"),
    "error.register.pg_dropped": ("与评级登记簿所在数据库服务器 {file} 的连接中断了。请检查网络后重试。",
                                  "{file}: the connection to the rating register's database server was lost; "
                                  "check the network and try again"),
    "error.register.pg_unsure_write": ("与评级登记簿所在数据库服务器 {file} 的连接在提交本次评级的那一刻中断了，之后也无法再连上，所以不能确定本次评级是否已登记（若已登记，登记簿中会有这一条：{head}）。为稳妥起见，未写入任何文件。网络恢复后，请在客户的评级历史中查看有没有本次评级（评级 → 评级登记簿：复评到期与客户历史…）：没有就重新评级。",
                                       "{file}: the connection to the rating register's database server was lost "
                                       "just as the run was being committed and could not be made again, so it is "
                                       "not known whether the run was recorded (if it was, the register holds the "
                                       "entry {head}). To be safe, nothing was written. When the network is back, "
                                       "look for this run in a customer's history (or verify-register --head): if "
                                       "it is not there, rate again"),
    "error.register.pg_dropped_write": ("与评级登记簿所在数据库服务器 {file} 的连接在登记时中断了：本次评级整体未登记（不会只登记一部分），也未写入任何文件。请检查网络后重新评级。",
                                        "{file}: the connection to the rating register's database server was lost "
                                        "while recording: the run was not recorded (none of it: a run is recorded "
                                        "whole or not at all) and nothing was written. Check the network and rate "
                                        "again"),
    "error.register.pg_no_schema": ("数据库 {file} 中还没有评级登记簿。请信息部门先为它创建登记簿（见说明书中为信息部门写的一节）。",
                                    "{file}: this database holds no rating register yet; ask IT to create it first "
                                    "(credit-desk register init, see the README's section for IT)"),
    "error.register.pg_foreign": ("数据库 {file} 中的同名内容不是评级登记簿（表或列不对）。请核对登记簿地址，或请信息部门检查。",
                                  "{file}: what this database holds under the register's name is not a rating "
                                  "register (its tables or columns are not a register's); check the address, or "
                                  "ask IT to check it"),
    "error.register.pg_bad_url": ("{file} 不是有效的数据库登记簿地址。地址的写法是 postgresql://用户名@服务器:端口/数据库名。",
                                  "{file}: not a valid address of a database register; write it as "
                                  "postgresql://user@host:port/database"),
    "error.register.pg_no_driver": ("本程序缺少连接数据库服务器所需的组件，无法打开评级登记簿 {file}。请重新安装本程序。",
                                    "{file}: this installation lacks the component that connects to a database "
                                    "server (psycopg); install Credit Desk again"),
    "error.register.pg_failed": ("{doing}评级登记簿 {file} 时数据库服务器报错。请稍后重试；如果一直出错，请信息部门查看服务器日志。",
                                 "{file}: the database server reported an error while the rating register was "
                                 "{doing}; try again later, and if it persists ask IT to look at the server's log"),
    "error.register.pg_failed_write": ("{doing}评级登记簿 {file} 时数据库服务器报错，本次未登记任何内容，也未写入任何文件。请稍后重试；如果一直出错，请信息部门查看服务器日志。",
                                       "{file}: the database server reported an error while the rating register "
                                       "was {doing}; nothing was recorded or written. Try again later, and if it "
                                       "persists ask IT to look at the server's log"),
    "error.register.pg_not_empty": ("数据库 {file} 中已有另一本评级登记簿（{entries} 条记录，与要迁移的登记簿不同），未复制任何内容。请迁移到空的登记簿。",
                                    "{file}: already holds another rating register ({entries} entries, not those "
                                    "of the register to move); nothing was copied. Move it into an empty register"),
    "error.register.pg_copy_differs": ("复制到 {file} 的评级登记簿与原登记簿 {source} 不一致（{problem}），已全部撤销，未复制任何内容。",
                                       "{file}: the register copied from {source} does not match it ({problem}); "
                                       "the copy was undone, nothing was copied"),
    "error.register.source_broken": ("要迁移的评级登记簿 {file} 核对未通过（{count} 处问题，见上），未复制任何内容。请先核对并修复它。",
                                     "{file}: the register to move does not verify ({count} problems, listed "
                                     "above); nothing was copied. Check it first"),
    "error.register.doing.opened": ("打开", "opened"),
    "error.register.doing.read": ("读取", "read"),
    "error.register.doing.written": ("写入", "written"),
    "error.register.doing.closed": ("关闭", "closed"),
    # ------------------------------------------------------------------ policy (policy.*)
    # A problem is "{where}: {problem}" (and its line where the file is known); {where} names the
    # place as a clerk reads it (policy.where.*, policy.field.* for each setting), {problem} says
    # what is wrong and what is allowed (values come formatted: 1,000,000; "nan (not a number)").
    "policy.invalid": ("政策文件“{file}”有误，不能使用：{problems}", "The policy file {file} cannot be used: {problems}"),
    "policy.problem": ("{where}：{problem}", "{where}: {problem}"),
    "policy.problem_line": ("{where}：{problem}（第 {line} 行）", "{where}: {problem} (line {line})"),
    "policy.problem_at_line": ("第 {line} 行：{problem}", "line {line}: {problem}"),
    # the file itself
    "policy.file.not_a_file": ("这不是一个文件（而是文件夹、设备或管道）", "not a file (a folder, a device or a pipe)"),
    "policy.file.missing": ("文件不存在（可能已被移动、改名或删除）", "cannot be read: the file does not exist"),
    "policy.file.no_permission": ("没有读取该文件的权限", "cannot be read: permission denied"),
    "policy.file.unreadable": ("无法读取该文件（可能被其他程序占用，或所在磁盘无法访问）", "cannot be read"),
    "policy.file.not_utf8": ("不是 UTF-8 编码的文本，也不是中文 ANSI（GBK）编码的文本。请用记事本打开该文件，选择“文件 → 另存为”，"
                             "在“编码”中选 UTF-8 后保存",
                             "is not UTF-8 text, nor Chinese ANSI (GBK) text: open it in Notepad, choose File → Save "
                             "as, pick UTF-8 under Encoding and save"),
    # a file Notepad saved as ANSI on a Chinese PC: read (desktop.io.policy_file), and said once
    "policy.file.read_as_ansi": ("政策文件“{file}”不是 UTF-8 编码，已按中文 ANSI（GBK）编码读取；在信用政策编辑器中保存后将存为 UTF-8 编码。",
                                 "The policy file {file} is not UTF-8: it was read as Chinese ANSI (GBK) text; saved "
                                 "from the policy editor it becomes UTF-8."),
    "policy.file.syntax": ("写法不符合政策文件的格式，请检查这一行的引号、括号、逗号和等号",
                           "is not written as a policy file must be (check the quotes, brackets, commas and equals "
                           "signs)"),
    "policy.file.huge_number": ("这里的数字有几千位，没有哪个政策数值这么大",
                                "a number there has thousands of digits; no policy value is that large"),
    "policy.file.too_deep": ("列表或表嵌套太深，无法读取", "lists or tables are nested too deeply to read"),
    # what is wrong with a value
    "policy.missing": ("缺少此项", "missing"),
    "policy.unknown_key": ("无法识别的设置（此处可写：{allowed}）", "unknown key (allowed: {allowed})"),
    "policy.not_table": ("应为一个表，现为 {got}", "must be a table, got {got}"),
    "policy.wrong_type": ("应为{expected}，现为 {got}", "must be {expected}, got {got}"),
    "policy.must_be": ("应为 {allowed}，现为 {got}", "must be {allowed}, got {got}"),
    "policy.level_table": ("应为每个等级各一个值的表", "must be a table with one value per level"),
    "policy.unknown_level": ("没有这个等级（现有等级：{levels}）", "unknown level (levels: {levels})"),
    "policy.schema": ("本程序只能读取第 {expected} 版格式的政策文件，该文件是 {got}",
                      "this program reads schema version {expected}, the file has {got}"),
    "policy.timeliness_max": ("不能超过评分项目“{item}”的满分 {points} 分，现为 {got}",
                              "must be at most the {points} points of {item}, got {got}"),
    "policy.cap_level": ("“{level}”不是已有的等级（{levels}）", "'{level}' is not a level ({levels})"),
    "policy.aging.empty": ("至少要有一个逾期天数上限", "must list at least one upper bound of days past due"),
    "policy.aging.too_many": ("最多 {most} 个上限，现有 {count} 个", "must list at most {most} upper bounds, got {count}"),
    "policy.aging.increasing": ("必须从小到大排列，且不能重复", "must be strictly increasing"),
    "policy.basis_used": ("数据依据“{basis}”已被评分项目“{other}”使用", "'{basis}' is already used by {other}"),
    "policy.unknown_basis": ("无法识别的数据依据“{basis}”（可用：{allowed}）", "unknown basis '{basis}' (allowed: {allowed})"),
    "policy.points_max": ("应在 0 到该项目满分 {most} 分之间", "must be between 0 and the item's {most} points"),
    "policy.categories_not_bands": ("数据依据“{basis}”按分类计分，不能分档", "basis '{basis}' takes categories, not bands"),
    "policy.bands_not_categories": ("数据依据“{basis}”按分档计分，不能按分类", "basis '{basis}' takes bands, not categories"),
    "policy.unknown_category": ("无法识别的分类（可用：{allowed}）", "unknown category (allowed: {allowed})"),
    "policy.category_points": ("应为 0 到 {most} 之间的整数（分），现为 {got}",
                               "must be a whole number of points from 0 to {most}, got {got}"),
    "policy.best_band": ("该项目满分 {most} 分，但最高一档只有 {top} 分",
                         "the item is worth {most} points but its best band gives {top}"),
    "policy.points_total": ("各评分项目满分合计 {total} 分，但评分卡满分是 {total_points} 分",
                            "item points add up to {total}, but total_points is {total_points}"),
    "policy.bands.none": ("没有任何分档", "no bands"),
    "policy.bands.below": ("低于 {band} 的值不属于任何分档（第一档须从 -inf 开始）",
                           "nothing covers values below {band} (the first band must start at -inf)"),
    "policy.bands.above": ("高于 {band} 的值不属于任何分档（最后一档须到 inf 为止）",
                           "nothing covers values above {band} (the last band must end at inf)"),
    "policy.bands.overlap": ("分档 {first} 与 {second} 重叠", "bands {first} and {second} overlap"),
    "policy.bands.gap": ("分档 {first} 与 {second} 之间有空缺", "gap between bands {first} and {second}"),
    "policy.levels.none": ("至少要有一个等级", "must list at least one level"),
    "policy.levels.unreachable": ("总分不可能达到 {score}：评分卡满分为 {total_points} 分",
                                  "no total score can reach {score}: the scorecard has {total_points} points "
                                  "(total_points)"),
    "policy.levels.unique": ("等级名称不能重复", "level names must be unique"),
    "policy.levels.same_min": ("{level} 与 {other} 的最低总分都是 {score}：两个等级的最低总分不能相同",
                               "{level} starts at {score} like {other}: two levels cannot have the same minimum "
                               "score"),
    "policy.levels.order": ("必须低于 {other} 的 {score} 分：等级须从高到低排列",
                            "must be lower than {other}'s {score}: list the best level first"),
    "policy.levels.lowest_zero": ("最低的等级必须从 0 分开始，使每个总分都有等级",
                                  "the lowest level must start at 0 so every score has a level"),
    # a band's range as written ("(0, 7]")
    "policy.range.syntax": ("“{range}”不是区间：区间写作“[0, 7)”或“(-inf, 0]”",
                            "'{range}' is not an interval like \"[0, 7)\" or \"(-inf, 0]\""),
    "policy.range.inf_side": ("“{range}”：只有区间的下限可以是 -inf，只有上限可以是 inf",
                              "'{range}': only the lower end of a band can be -inf and only the upper end inf"),
    "policy.range.nan": ("“{range}”：{bound} 不是数字；区间的端点须为数字、-inf 或 inf",
                         "'{range}': {bound} is not a number; bounds must be numbers, -inf or inf"),
    "policy.range.not_number": ("“{range}”：区间的端点须为数字、-inf 或 inf", "'{range}': bounds must be numbers, -inf or inf"),
    "policy.range.outside": ("“{range}”：{bound} 不能作为端点：端点须为 -{most} 到 {most} 之间、最多 {decimals} 位小数的数"
                             "（无界的一端写 -inf 或 inf）",
                             "'{range}': {bound} cannot be a bound: a bound is a number from -{most} to {most} with at "
                             "most {decimals} decimal places (write -inf or inf for an open end)"),
    "policy.range.reversed": ("“{range}”：下限不能大于上限", "'{range}': the lower bound must not exceed the upper bound"),
    "policy.range.empty": ("“{range}”是空区间，不含任何值", "'{range}' is empty"),
    # what a value is, as the problem quotes it
    "policy.value.bool": ("{value}（是/否值）", "{value} (a yes/no value)"),
    "policy.value.digits": ("{sign}{digits} 位的数", "{sign}a number with {digits} digits"),
    "policy.value.nan": ("nan（不是数字）", "nan (not a number)"),
    "policy.value.inf": ("inf（无穷大）", "inf (infinity)"),
    "policy.value.minus_inf": ("-inf（负无穷大）", "-inf (minus infinity)"),
    "policy.value.text": ("文字“{value}”（数字不要加引号）", "the text \"{value}\" (numbers are written without quotes)"),
    "policy.value.list": ("一个列表", "a list"),
    "policy.value.table": ("一个表", "a table"),
    "policy.value.date": ("日期 {value}", "the date {value}"),
    "policy.value.other": ("无法识别的值（{kind}）", "a value of type {kind}"),
    "policy.type.int": ("整数", "a whole number"),
    "policy.type.float": ("数", "a number"),
    "policy.type.str": ("文字", "text"),
    "policy.type.bool": ("是或否（true 或 false）", "true or false"),
    "policy.type.list": ("列表", "a list"),
    "policy.type.dict": ("表", "a table"),
    "policy.type.either": ("{first}或{second}", "{first} or {second}"),
    "policy.allowed.whole": ("{lo} 到 {hi} 之间的整数", "a whole number from {lo} to {hi}"),
    "policy.allowed.whole_unit": ("{lo} 到 {hi} 之间的整数（{unit}）", "a whole number of {unit} from {lo} to {hi}"),
    "policy.allowed.number": ("{lo} 到 {hi} 之间的数", "a number from {lo} to {hi}"),
    "policy.allowed.number_unit": ("{lo} 到 {hi} 之间的数（{unit}）", "a number of {unit} from {lo} to {hi}"),
    "policy.allowed.decimals": ("{allowed}，最多 {decimals} 位小数", "{allowed} with at most {decimals} decimal places"),
    "policy.unit.points": ("分", "points"),
    "policy.unit.days": ("天", "days"),
    "policy.unit.months": ("月", "months"),
    "policy.unit.cny": ("元", "CNY (元)"),
    "policy.unit.orders": ("笔订单", "orders"),
    "policy.unit.years": ("年", "years"),
    "policy.yes": ("是", "yes"),
    "policy.no": ("否", "no"),
    # where: the place of a problem or a difference, as a clerk reads it
    "policy.where.top": ("政策文件", "the policy file"),
    "policy.where.key": ("{parent}中的“{key}”", "“{key}” in {parent}"),
    "policy.where.item": ("评分项目“{item}”", "scorecard item “{item}”"),
    "policy.where.item_field": ("评分项目“{item}”的{field}", "{field} of scorecard item “{item}”"),
    "policy.where.band": ("评分项目“{item}”第 {n} 档", "band {n} of scorecard item “{item}”"),
    "policy.where.band_field": ("评分项目“{item}”第 {n} 档的{field}", "{field} of band {n} of scorecard item “{item}”"),
    "policy.where.category": ("评分项目“{item}”中“{category}”的得分", "points for “{category}” in scorecard item “{item}”"),
    "policy.where.level": ("等级 {level}", "level {level}"),
    "policy.where.level_n": ("第 {n} 个等级", "level {n} of the list"),
    "policy.where.level_field": ("等级 {level} 的{field}", "{field} of level {level}"),
    "policy.where.level_n_field": ("第 {n} 个等级的{field}", "{field} of level {n} of the list"),
    "policy.where.bucket": ("账龄分段的第 {n} 个上限", "upper bound {n} of the aging buckets"),
    # the same places, short, for the list of differences ("付款及时性 第 2 档 得分：25 → 30")
    "policy.brief.item_field": ("{item} {field}", "{item}, {field}"),
    "policy.brief.band_field": ("{item} 第 {n} 档 {field}", "{item}, band {n}, {field}"),
    "policy.brief.category": ("{item} “{category}” 得分", "{item}, “{category}”, points"),
    "policy.brief.level_field": ("等级 {level} {field}", "level {level}, {field}"),
    # a difference from the shipped default
    "policy.change": ("{where}：{old} → {new}", "{where}: {old} → {new}"),
    "policy.change.added": ("{where}：新增 {new}", "{where}: added {new}"),
    "policy.change.removed": ("{where}：已删除（原为 {old}）", "{where}: removed (was {old})"),
    # the policy editor and the window
    "policy.save.shipped_folder": ("不能保存到程序自带的文件夹（{folder}）：其中的默认政策随程序安装和更新，不能改写。"
                                   "请另选位置，例如“文档”文件夹。",
                                   "A policy cannot be saved in the program's own folder ({folder}): the default policy "
                                   "there comes with the program and is never changed. Choose another place, such as "
                                   "your Documents folder."),
    "policy.save.failed": ("无法保存到“{file}”：请确认文件夹存在、可以写入，且该文件没有被其他程序打开。",
                           "Cannot save to {file}: check that the folder exists and can be written to, and that no "
                           "other program has the file open."),
    "policy.save.done": ("已保存到 {file}", "Saved to {file}"),
    "policy.what_if": ("模拟结果：{total} 个客户中有 {changed} 个等级会变化{moves}。",
                       "What if: {changed} of {total} customers would change level{moves}."),
    "policy.cannot_use": ("政策文件“{file}”有 {count} 处问题，不能用于评级：",
                          "The policy file {file} has {count} problems and cannot be used for rating:"),
    "policy.more_problems": ("……另有 {count} 处问题，请在政策编辑器中查看。", "… and {count} more: see them in the policy editor."),
    # each setting of the policy (the editor's labels too)
    "policy.field.schema_version": ("政策文件格式版本", "schema version"),
    "policy.field.name": ("政策名称", "policy name"),
    "policy.field.version": ("政策版本号", "policy version"),
    "policy.field.description": ("政策说明", "description"),
    "policy.field.total_points": ("评分卡满分", "total points of the scorecard"),
    "policy.field.items": ("评分项目", "scorecard items"),
    "policy.field.item.label_zh": ("中文名称", "Chinese name"),
    "policy.field.item.label_en": ("英文名称", "English name"),
    "policy.field.item.basis": ("数据依据", "data basis"),
    "policy.field.item.points": ("满分", "maximum points"),
    "policy.field.item.missing_points": ("无数据时得分", "points without data"),
    "policy.field.item.bands": ("分档", "bands"),
    "policy.field.item.categories": ("分类得分", "category points"),
    "policy.field.band.range": ("区间", "range"),
    "policy.field.band.points": ("得分", "points"),
    "policy.category.good": ("良好", "good"),
    "policy.category.fair": ("一般", "fair"),
    "policy.category.poor": ("不良", "poor"),
    "policy.field.levels": ("等级设置", "levels"),
    "policy.field.level.level": ("等级名称", "level name"),
    "policy.field.level.label_zh": ("中文名称", "Chinese name"),
    "policy.field.level.min_score": ("最低总分", "minimum score"),
    "policy.field.rules": ("评级规则", "rating rules"),
    "policy.field.rules.force_c": ("强制C级规则", "force-C rules"),
    "policy.field.rules.force_c.timeliness": ("付款及时性过低强制C级", "force C on low timeliness"),
    "policy.field.rules.force_c.timeliness_max_points": ("强制C级的付款及时性得分上限（不高于此分）",
                                                         "timeliness points that force C (at most)"),
    "policy.field.rules.force_c.operating_poor": ("经营状况不良强制C级", "force C on poor operating status"),
    "policy.field.rules.force_c.revenue_decline": ("营业额持续下滑强制C级", "force C on sustained revenue decline"),
    "policy.field.rules.force_c.litigation": ("被其他供应商起诉强制C级", "force C when sued by other suppliers"),
    "policy.field.rules.cap": ("封顶规则", "cap rules"),
    "policy.field.rules.cap.level": ("封顶等级（封顶的客户最高评到此等级）", "cap level (capped customers rate no higher)"),
    "policy.field.rules.cap.new_customer": ("新客户封顶", "cap new customers"),
    "policy.field.rules.cap.new_customer_min_orders": ("新客户订单数门槛（少于此数为新客户）", "orders below which a customer is new"),
    "policy.field.rules.cap.new_customer_min_years": ("新客户合作年限门槛（年，不足此数为新客户）", "years of cooperation below which a customer is new"),
    "policy.field.rules.cap.documents": ("关键资料不全封顶", "cap when key documents are incomplete"),
    "policy.field.rules.group": ("集团客户规则", "group rules"),
    "policy.field.rules.group.warning": ("集团预警（一户被强制C级，同集团其他成员等级封顶）",
                                         "group warning (a member forced to C caps the other members)"),
    "policy.field.rules.group.warning_level": ("集团预警封顶等级", "level the group warning caps at"),
    "policy.field.rules.group.concentration": ("集团总量控制（集团可授信额度合计不超过上限）",
                                               "group total-amount control (a group's eligible limits held to a ceiling)"),
    "policy.field.rules.group.concentration_share": ("集团额度上限（占全部客户可授信额度合计的比例）",
                                                     "group ceiling (share of every customer's eligible limit)"),
    "policy.field.backtest": ("回测设置", "back-test settings"),
    "policy.field.backtest.horizon_months": ("回测观察期（评级后几个月内）", "back-test horizon (months after the rating)"),
    "policy.field.backtest.late_days": ("违约逾期天数（逾期超过此天数为违约）",
                                        "days past due that make a case bad (more than this)"),
    "policy.field.backtest.tolerance": ("可忽略的未付余额（元，不超过此数不算违约）",
                                        "unpaid residue ignored (CNY, at most this is not bad)"),
    "policy.field.terms": ("账期设置", "term settings"),
    "policy.field.terms.base_days": ("各等级基准账期", "base term of each level"),
    "policy.field.terms.base_days.level": ("基准账期（天）", "base term (days)"),
    "policy.field.terms.new_customer_cash_orders": ("新客户款到发货的前几笔订单数", "first orders on cash before delivery"),
    "policy.field.terms.require_agreement": ("给予账期须签年度协议", "terms need a signed annual agreement"),
    "policy.field.terms.require_documents": ("给予账期须关键资料齐全", "terms need complete key documents"),
    "policy.field.limit": ("额度设置", "limit settings"),
    "policy.field.limit.factors": ("各等级额度系数", "limit factor of each level"),
    "policy.field.limit.factors.level": ("额度系数", "limit factor"),
    "policy.field.limit.round_down_to": ("额度向下取整到（元）", "limits rounded down to (CNY)"),
    "policy.field.limit.months_per_year": ("每年月数（额度计算用）", "months per year (for the limit)"),
    "policy.field.limit.days_per_month": ("每月天数（额度计算用）", "days per month (for the limit)"),
    "policy.field.approval": ("审批设置", "approval settings"),
    "policy.field.approval.sales_manager_max_days": ("销售部经理可批最长账期（天）",
                                                     "longest term a sales manager approves (days)"),
    "policy.field.review": ("复评设置", "review settings"),
    "policy.field.review.months": ("各等级复评周期", "review interval of each level"),
    "policy.field.review.months.level": ("复评周期（月）", "review interval (months)"),
    "policy.field.aging": ("账龄设置", "aging settings"),
    "policy.field.aging.bucket_upper_days": ("账龄分段上限（逾期天数）", "aging bucket upper bounds (days past due)"),
    "policy.field.metrics": ("指标计算设置", "metric settings"),
    "policy.field.metrics.days_per_year": ("每年天数（计算合作年限用）", "days per year (for cooperation years)"),
    # ------------------------------------------------------------------ mapping (mapping.*)
    # The column mapping dialog and the profile manager (desktop/ui/mapping_dialog.py). Field
    # and column lists come joined in the language ("客户编号、客户名称"; "L 经营状况、O 资产总额(万元)").
    "mapping.title": ("列映射 — {file} / {sheet}", "Column mapping — {file} / {sheet}"),
    "mapping.required": ("必须映射：{fields}", "Required: {fields}"),
    "mapping.missing": ("评级用到、但还没有映射的字段：{fields}。请为它们选择列，或勾选“无此数据”确认工作表中没有这些数据。",
                        "Fields the rating uses that are not mapped: {fields}. Choose their columns, or tick "
                        "“Not in the sheet” to confirm the sheet holds no such data."),
    "mapping.unused": ("未使用的列：{columns}。这些列有数据，但没有映射到任何字段，导入时不会读取。",
                       "Unused columns: {columns}. They hold data but are mapped to no field, so they are not read."),
    "mapping.confirm_absent": ("以下评级用到的字段没有映射：{fields}。\n\n确认工作表中没有这些数据吗？没有的数据按“缺失”评分。",
                               "These fields the rating uses are not mapped: {fields}.\n\nConfirm that the sheet "
                               "holds no such data? Data that is not there is scored as missing."),
    "mapping.profile_matches": ("此表头已有映射方案“{name}”。", "This header row has the mapping profile “{name}”."),
    "mapping.profile_place": ("{file} / {sheet}（{at}）", "{file} / {sheet} ({at})"),
    "mapping.profile_saved_from": ("保存自 {file} / {sheet}（{at}）", "Saved from {file} / {sheet} ({at})"),
    "mapping.profile_used": ("{at} 读取 {file} / {sheet}", "{at}: read {file} / {sheet}"),
    "mapping.profile_columns": ("{kind}，{count} 列：{columns}", "{kind}, {count} columns: {columns}"),
    "mapping.profile_absent": ("确认没有的数据：{fields}", "Confirmed not in the sheet: {fields}"),
    "mapping.profile_name_taken": ("已有名为“{name}”的映射方案，请换一个名称。",
                                   "There is already a mapping profile named “{name}”: choose another name."),
    "mapping.profile_delete": ("删除映射方案“{name}”？之后同样表头的工作表不再按它读取，需要重新映射。",
                               "Delete the mapping profile “{name}”? Sheets with its header row are then no longer "
                               "read with it and must be mapped again."),
    "mapping.profile_not_written": ("无法写入映射方案文件 {file}（可能没有权限或磁盘已满），映射方案未更改。",
                                    "The mapping profiles file {file} cannot be written (no permission, or the disk "
                                    "is full): the profiles are unchanged."),
    "mapping.profile_changed": ("映射方案已更改：下次导入时生效。", "Mapping profiles changed: this applies from the next import."),
    # ------------------------------------------------------------------ command line (cli.*)
    # The command line's own lines, in English unless --lang or CREDIT_DESK_LANG asks for Chinese
    # (desktop.cli.message_language); cli.hint.* is the option added to an error's line.
    "cli.groups": ("集团 {groups} 个（成员 {members} 户）：集团预警封顶 {warned} 户，集团总量控制压降额度 {scaled} 户。",
                   "{groups} groups ({members} members): {warned} capped by the group warning, {scaled} limits "
                   "scaled down by the group total-amount control."),
    "cli.rated": ("已评级 {count} 个客户，评估基准日 {as_of}（{levels}）；问题 {issues} 条（其中 {errors} 行未使用）。",
                  "Rated {count} customers as of {as_of} ({levels}); {issues} row issues ({errors} rows not used)."),
    "cli.double_clicked": ("这是命令行程序，请在命令提示符或 PowerShell 中运行它；打开窗口请用同一文件夹中的 CreditDesk.exe。按 Enter 键关闭。",
                           "This is the command-line program: run it in Command Prompt or PowerShell; the "
                           "window is CreditDesk.exe in the same folder. Press Enter to close."),
    "cli.wrote": ("已写入 {file}", "Wrote {file}"),
    "cli.read_forms": ("读取了评级 {run} 的 {forms} 份表单：{decided}；错误 {errors} 个，警告 {warnings} 个。",
                       "Read {forms} forms of run {run}: {decided}; {errors} errors, {warnings} warnings."),
    "cli.results_only": ("仅与评级结果工作簿核对：该次评级不在评级登记簿中。",
                         " Checked against the results workbook only: the run is not in the rating register."),
    "cli.no_decision": ("没有决定", "no decision"),
    "cli.conflicts": ("{count} 个互相冲突的决定未采用：见问题清单；用 --prefer 文件 指定以哪个文件为准。",
                      "{count} conflicting decisions were not applied: see the problems; resolve with --prefer FILE."),
    "cli.no_memory": ("内存不足，无法完成（文件对这台电脑来说太大）",
                      "not enough memory to finish (the files are too large for this computer)"),
    "cli.nothing_written": ("；未写入或登记任何内容", "; nothing was written or recorded"),
    "cli.disk_full": ("磁盘已满{where}", "the disk is full{where}"),
    "cli.nothing_replaced": ("；未替换或登记任何内容：请腾出空间后重新运行",
                             "; nothing was replaced or recorded: free some space and run again"),
    "cli.no_ratings": ("{file} 中没有客户 {customer} 的评级记录。", "No ratings of {customer} in {file}."),
    "cli.review_due": ("复评到期 {date}：{customer} {name}（{level}）", "review due {date}: {customer} {name} ({level})"),
    "cli.intact": ("{file}：完好（{head}）", "{file}: intact ({head})"),
    "cli.register.init_created": ("已在 {file} 中创建评级登记簿（格式 {version}）。",
                                  "{file}: created the rating register (schema credit_desk, format {version})."),
    "cli.register.init_kept": ("{file} 中已有评级登记簿（格式 {version}，{entries} 条记录），原样保留，只补上缺少的部分并重新授权。",
                               "{file}: the rating register was there already (format {version}, {entries} "
                               "entries): kept as it was; only what was missing was made, and the grants given again."),
    "cli.register.init_migrated": ("{file}：评级登记簿已从格式 {old} 升级到格式 {version}。",
                                   "{file}: the rating register was brought from format {old} to format {version}."),
    "cli.register.roles_created": ("已创建角色：{roles}", "Roles created: {roles}"),
    "cli.register.roles_kept": ("已有角色，原样保留：{roles}", "Roles there already, kept: {roles}"),
    "cli.register.grant_hint": ("请为使用者的登录授予角色：经办人员授予 credit_desk_clerk，审计人员授予 credit_desk_auditor。",
                                "Grant the roles to the people's logins, e.g. GRANT credit_desk_clerk TO alice;"),
    "cli.register.migrated": ("已把 {source} 的 {entries} 条记录{key}复制到 {file}，核对通过，最后一条记录与原登记簿相同（{head}）。",
                              "Copied the {entries} entries of {source}{key} into {file}; it verifies, and its "
                              "head is the source's ({head})."),
    "cli.register.migrated_key": ("和校验密钥", " and its key"),
    "cli.register.already_there": ("{file} 中已有 {source} 的全部 {entries} 条记录（最后一条 {head}），未复制任何内容。",
                                   "{file} already holds exactly the {entries} entries of {source} (head {head}); "
                                   "nothing was copied."),
    "cli.no_run": ("（无）", "(none)"),
    # a bug: one line, the traceback in the log ({done}: cli.nothing_written or cli.after_commit)
    "cli.internal_error": ("内部错误（{kind}）{done}；{where}", "internal error ({kind}){done}; {where}"),
    "cli.after_commit": ("；发生在任务开始保存结果之后：请核对文件和评级登记簿",
                         "; it came after the job had started to save its work: check the files and the register"),
    "cli.log_at": ("详细信息已记入日志文件 {file}", "the details are in {file}"),
    "cli.no_log": ("无法写入日志文件", "no log file could be written"),
    # the command line's own mistakes of use (its options are its words: named as typed)
    "cli.usage.not_xlsx": ("{option} 必须是 .xlsx 文件，现为 {file}", "{option} must name an .xlsx file, got {file}"),
    "cli.usage.detail_customers_alone": ("--detail-customers 需要同时给出 --detail 明细底稿.xlsx",
                                         "--detail-customers needs --detail DETAIL.xlsx"),
    "cli.usage.detail_customers_empty": ("--detail-customers：请给出以逗号分隔的客户编号",
                                         "--detail-customers: give customer IDs separated by commas"),
    "cli.usage.no_input": ("请至少给出一个输入文件，或用 --customers 指定客户信用资料表",
                           "give at least one INPUT file or --customers"),
    "cli.usage.approvals_no_output": ("approvals：请给出 --out 审批结果.xlsx、--json 审批结果.json 或 --notices 通知书.xlsx",
                                      "approvals: give --out DECISIONS.xlsx, --json DECISIONS.json or --notices NOTICES.xlsx"),
    "cli.usage.prefer_not_read": ("approvals：--prefer 指定的文件不在读取的审批表之中：{files}",
                                  "approvals: --prefer names a file that is not read back: {files}"),
    "cli.usage.no_match": ("{pattern} 没有匹配到任何文件", "{pattern} matches no file"),
    "cli.usage.all_skipped": ("跳过上述文件后，没有可读取的输入文件", "no input file is left once the files above are skipped"),
    "cli.usage.report_no_output": ("{command}：请给出 --out 工作簿.xlsx 或 --json 文件.json（或两者）",
                                   "{command}: give --out WORKBOOK.xlsx or --json FILE.json (or both)"),
    "cli.usage.backtest_source": ("backtest：请给出 --register 登记簿文件（用登记簿中过去的评级）或 --rerate-at 日期[,日期...]（按较早的日期重新评级），二者选一",
                                  "backtest: give --register REGISTER.sqlite (the register's past runs) or --rerate-at "
                                  "YYYY-MM-DD[,YYYY-MM-DD...] (re-rate as of earlier dates), one of them"),
    "cli.usage.backtest_two_sources": ("backtest：--register 与 --rerate-at 只能给出其一（案例要么来自登记簿，要么来自重新评级）",
                                       "backtest: give --register or --rerate-at, not both (the cases come from the "
                                       "register or from re-rating)"),
    "cli.usage.rerate_empty": ("--rerate-at {value}：第 {position} 项是空的（日期之间只用一个逗号分隔）",
                               "--rerate-at {value}: item {position} is empty (separate the dates with one comma)"),
    "cli.usage.rerate_not_a_date": ("--rerate-at：“{value}”不是日期（请写成 2025-06-30 这样的格式）",
                                    "--rerate-at: {value!r} is not a date in YYYY-MM-DD form"),
    "cli.usage.rerate_range": ("--rerate-at：{day} 超出可用范围（{first} 至 {last}）",
                               "--rerate-at: {day} is outside {first} to {last}"),
    "cli.usage.rerate_twice": ("--rerate-at：{day} 写了两次", "--rerate-at: {day} is given twice"),
    "cli.usage.rule_option": ("{option} {value}：{allowed}", "{option} {value}: {allowed}"),
    "cli.usage.run_pair": ("compare：--run 与 --run-b 要一起给出（要比较的两次评级的编号）",
                           "compare: give --run RUN_A and --run-b RUN_B together (the IDs of the two runs)"),
    "cli.usage.compare_two_ways": ("compare：要么给出输入文件和 --policy-b（按两个政策评级同一批数据），要么给出 --run 和 --run-b（比较登记簿中的两次评级），不能同时给出",
                                   "compare: give input files with --policy-b (the data rated under two policies) or "
                                   "--run with --run-b (two runs of the register), not both"),
    "cli.usage.register_without_runs": ("compare：--register 只用于 --run 与 --run-b（比较登记簿中的两次评级）",
                                        "compare: --register is for --run and --run-b (two runs of the register)"),
    "cli.usage.policy_b_missing": ("compare：请用 --policy-b 指定第二个政策文件",
                                   "compare: name the second policy with --policy-b B.toml"),
    "cli.usage.policy_b_no_input": ("compare：--policy-b 需要输入文件（按两个政策评级的数据）",
                                    "compare: --policy-b needs input files (the data to rate under both policies)"),
    "cli.usage.compare_nothing": ("compare：请给出输入文件和 --policy-b 乙政策.toml，或 --run 评级编号 --run-b 评级编号",
                                  "compare: give input files and --policy-b B.toml, or --run RUN_A --run-b RUN_B"),
    # backtest's lines (rates and intervals as percentages, AUC, KS and PSI to three decimals)
    "cli.none": ("无", "n/a"),
    "cli.backtest.summary": ("回测：评估日 {evaluation}，案例来自{source}；{runs} 次评级中可观察的案例 {cases} 例。违约标准：评级后 {horizon} 个月内有发票逾期超过 {late} 天且未付超过 {tolerance} 元。",
                             "Back-test as of {evaluation}, cases from {source}: {cases} observable cases of {runs} "
                             "runs. Bad: an invoice more than {late} days past due with more than {tolerance} yuan "
                             "unpaid within {horizon} months."),
    "cli.backtest.from_register": ("评级登记簿 {file} 中过去的评级（只读取，未登记任何内容）",
                                   "the past runs of the register {file} (read only, nothing recorded)"),
    "cli.backtest.from_rerate": ("按 {dates} 重新评级的结果", "re-rating as of {dates}"),
    "cli.backtest.level": ("  {level}  {cases} 例，违约 {bad} 例，违约率 {rate}（95% 置信区间 {interval}）",
                           "  {level}  {cases} cases, {bad} bad, bad rate {rate} (95% interval {interval})"),
    "cli.backtest.interval": ("{low} 至 {high}", "{low} to {high}"),
    "cli.backtest.monotonic": ("违约率从 {best} 到 {worst} 逐级不降：等级越低，违约越多。",
                               "The bad rate never falls from {best} to {worst}: the lower the level, the more bad cases."),
    "cli.backtest.not_monotonic": ("注意：违约率没有从 {best} 到 {worst} 逐级上升，有较低的等级违约率反而更低：请查看各等级。",
                                   "Warning: the bad rate does not rise from {best} to {worst}: a lower level has "
                                   "a lower bad rate; see the levels."),
    "cli.backtest.monotonic_unknown": ("有案例的等级不足两个，或没有一例违约，无法判断违约率是否逐级上升。",
                                       "Fewer than two levels have cases, or no case is bad: whether the bad rate "
                                       "rises level by level cannot be told."),
    "cli.backtest.discrimination": ("总分区分违约的能力：AUC {auc}，KS {ks}",
                                    "Total score against bad: AUC {auc}, KS {ks}"),
    "cli.backtest.psi": ("等级分布稳定性（{first} 与 {last} 相比）：PSI {psi}，{reading}",
                         "Level mix from {first} to {last}: PSI {psi}, {reading}"),
    "cli.backtest.psi.stable": ("稳定", "stable"),
    "cli.backtest.psi.shifting": ("有所变化", "shifting"),
    "cli.backtest.psi.unstable": ("不稳定", "unstable"),
    "cli.backtest.psi_none": ("只有一次评级计入，无法比较等级分布（PSI）。", "One run counted only: no PSI of the level mix."),
    "cli.backtest.not_observable": ("尚不能观察 {count} 例：评级后 {horizon} 个月在评估日 {evaluation} 之后结束，未计入。",
                                    "{count} cases not yet observable (their {horizon} months end after "
                                    "{evaluation}): not counted."),
    "cli.backtest.superseded": ("{count} 次评级未计入：同一评估基准日后来又评过一次，以最后一次为准。",
                                "{count} runs not counted: a later run of the same date replaced each."),
    "cli.backtest.not_trading": ("{count} 户在重新评级日尚未开始合作，未计入。",
                                 "{count} customers not yet trading at a re-rating date: not cases."),
    "cli.backtest.ledger_ends": ("注意：所读销售明细与回款的最后日期是 {last}，早于评估日 {evaluation}：此后的回款没有读到，观察期跨过 {last} 的案例可能被误判为违约。请读入截至评估日的明细，或把评估日改为 {last}。",
                                 "Note: the ledger and receipts read end on {last}, before the evaluation date "
                                 "{evaluation}: no later payment was read, so cases whose horizon runs past {last} may "
                                 "be judged bad wrongly. Read them up to the evaluation date, or evaluate as of {last}."),
    "cli.backtest.not_on_sheet": ("{count} 个案例未计入：客户不在本次读取的客户信用资料中，其销售明细无法对应，看不到其回款情况。请把含这些客户的客户信用资料一起选上。",
                                  "{count} cases not counted: the customer is not on the customer sheet read, so its "
                                  "ledger rows could not be linked and its payments cannot be seen. Add a customer "
                                  "sheet that lists them."),
    "cli.backtest.facts_today": ("注意：重新评级用的是客户信用资料表中现在的资料（财务数据、经营状况等），不是当时的。",
                                 "Note: re-rating used today's customer-sheet facts (financials, status), not those "
                                 "of each date."),
    # compare's lines (A the first rating, B the second)
    "cli.compare.summary": ("对比 A：{a}（{a_as_of}）与 B：{b}（{b_as_of}）：共同客户 {both} 户，仅在 A 中 {only_a} 户，仅在 B 中 {only_b} 户。",
                            "Compared A: {a} ({a_as_of}) with B: {b} ({b_as_of}): {both} customers in both, "
                            "{only_a} only in A, {only_b} only in B."),
    "cli.compare.matrix": ("等级迁移（行为 A 的等级，列为 B 的等级）：", "Level migration (rows A's level, columns B's):"),
    "cli.compare.changed": ("有变化的客户：等级 {level} 户，账期 {term} 户，额度 {limit} 户，审批路径 {route} 户。",
                            "Changed: level {level}, term {term}, limit {limit}, route {route} customers."),
    "cli.compare.total_limit": ("可授信额度合计：{a} → {b} 元（{change}）", "Total eligible limit: {a} → {b} yuan ({change})"),
    "cli.compare.approvals": ("需要审批：销售部经理 {manager_a} → {manager_b} 户，财务总监 {cfo_a} → {cfo_b} 户。",
                              "Approvals: sales manager {manager_a} → {manager_b}, CFO {cfo_a} → {cfo_b}."),
    # ------------------------------------------------------------------ inputs left out (input.*)
    # A file named as an input (by a wildcard, a shell, a drop on the window) that is never a workbook.
    "input.skipped.lock_file": ("已跳过 {file}：这是 Excel 或 WPS 打开工作簿时在旁边生成的锁定文件，不是工作簿。",
                                "skipped {file}: the lock file Excel or WPS keeps beside an open workbook, not a "
                                "workbook"),
    "input.skipped.hidden": ("已跳过 {file}：这是隐藏文件或系统文件。", "skipped {file}: a hidden or system file"),
    "input.skipped.dot_file": ("已跳过 {file}：名称以“.”开头的隐藏文件（由通配符匹配到）。",
                               "skipped {file}: a hidden file (its name starts with a dot) matched by a wildcard"),
    "cli.hint.sales": ("用 --sales 文件[:工作表] 指定销售明细", "name it with --sales FILE[:SHEET]"),
    "cli.hint.customers": ("用 --customers 文件[:工作表] 指定客户信用资料表", "name it with --customers FILE[:SHEET]"),
    "cli.hint.results": ("用 --results 评级结果.xlsx 指定", "with --results RESULTS.xlsx"),
    "cli.hint.policy": ("用 --policy 政策文件 指定", "with --policy FILE"),
    "cli.hint.tmpdir": ("或把环境变量 TMPDIR 设为有空间的磁盘上的文件夹", "or set TMPDIR to a folder on a disk with room"),
    "cli.hint.max_unpacked": ("上限由环境变量 CREDIT_DESK_MAX_UNPACKED_MB 设定", "the limit is CREDIT_DESK_MAX_UNPACKED_MB"),
    "cli.hint.max_cells": ("上限由环境变量 CREDIT_DESK_MAX_CELLS 设定", "the limit is CREDIT_DESK_MAX_CELLS"),
    "cli.hint.verify": ("可用 verify-register 命令查看问题所在", "credit-desk verify-register lists what is wrong"),
    "cli.hint.log_level": ("用 --log-level=debug 重新运行，日志会记下每个步骤", "run again with --log-level=debug to log each step"),
    "cli.hint.backtest_source": ("用 --register 登记簿文件 或 --rerate-at 日期[,日期...] 指定",
                                 "with --register REGISTER.sqlite or --rerate-at YYYY-MM-DD[,...]"),
    "cli.hint.runs": ("用 --run 与 --run-b 给出审计页上的评级编号；--register 指定登记簿",
                      "--run and --run-b take the run IDs of the audit sheets; --register names the register"),
    "cli.hint.policy_b": ("用 --policy-b 乙政策.toml 指定", "with --policy-b B.toml"),
    "cli.hint.register": ("或用 --register 登记簿文件 指定另一个登记簿", "or --register REGISTER.sqlite"),
    "cli.hint.register_write": ("或用 --register 登记簿文件 指定另一个登记簿，或用 --no-register 本次不登记",
                                "or --register REGISTER.sqlite, or --no-register"),
    # ------------------------------------------------------------------ rules fired (rule.*)
    # The data a rule fired on, as a sentence: rule.CODE, or rule.CODE.case where one rule has
    # several reasons. Values come formatted (1,236,000; 1.56; 35.2%); lists joined in the
    # language. desktop.io.writers.labels.rule_sentence picks the template and fills it in.
    "rule.FORCE_C_TIMELINESS": ("加权平均逾期 {days} 天，付款及时性得 {points} 分，不高于 {max_points} 分",
                                "{days} days late on average: timeliness earns {points} points, "
                                "at most {max_points}"),
    "rule.FORCE_C_OPERATING": ("经营状况为“{status}”", "operating status is {status}"),
    "rule.FORCE_C_REVENUE_DECLINE": ("营业额趋势为“{trend}”", "revenue trend is {trend}"),
    "rule.FORCE_C_LITIGATION": ("被其他供应商起诉（追讨货款）", "sued by other suppliers over payment"),
    "rule.CAP_A_NEW_CUSTOMER.orders": ("订单 {orders} 笔，少于 {min_orders} 笔", "{orders} orders, fewer than {min_orders}"),
    "rule.CAP_A_NEW_CUSTOMER.years": ("合作 {years} 年，不足 {min_years} 年",
                                      "{years} years of cooperation, less than {min_years}"),
    "rule.CAP_A_NEW_CUSTOMER.days": ("合作 {days} 天，不足 {min_years} 年",
                                     "{days} days of cooperation, less than {min_years} years"),
    "rule.CAP_A_NEW_CUSTOMER.no_trading": ("合作年限不明：截至评估基准日没有首次合作日期，也没有发票",
                                           "cooperation unknown: no first trade date and no invoice up to the "
                                           "assessment date"),
    "rule.CAP_A_DOCUMENTS": ("缺少{missing}", "missing: {missing}"),
    "rule.TERM_NEW_CUSTOMER_CASH": ("订单 {orders} 笔，前 {cash_orders} 笔款到发货",
                                    "{orders} orders: the first {cash_orders} are cash before delivery"),
    "rule.TERM_NO_AGREEMENT.no": ("未签订年度合作协议", "no signed annual agreement"),
    "rule.TERM_NO_AGREEMENT.unknown": ("客户资料未注明是否签订年度合作协议",
                                       "the customer sheet does not say whether an annual agreement is signed"),
    "rule.TERM_DOCUMENTS_INCOMPLETE": ("缺少{missing}", "missing: {missing}"),
    # the group rules (集团客户): data keys group, members; group, group_total, total, share, ceiling
    "rule.CAP_B_GROUP_WARNING": ("同属集团“{group}”的{members}被强制C级", "{members} of group {group} forced to C"),
    "rule.members_more": ("{members}等 {count} 户", "{members} and others, {count} in all"),
    "rule.LIMIT_GROUP_CONCENTRATION": ("集团“{group}”可授信额度合计 {group_total} 元，超过全部客户总量控制前合计 {total} 元的 "
                                       "{share}（上限 {ceiling} 元）",
                                       "group {group}: eligible limits add up to {group_total} CNY, above {share} "
                                       "of the {total} CNY of all customers (ceiling {ceiling} CNY)"),
    "rule.other": ("{detail}", "{detail}"),
}

_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")


def fields(code: str) -> set[str]:
    """The named values a message's texts use (both languages use the same names)."""
    zh, en = CATALOGUE[code]
    return set(_FIELD.findall(zh)) | set(_FIELD.findall(en))


def text(code: str, lang: str = "zh", /, **values: Any) -> str:
    """The message ``code`` in ``lang`` with its values filled in; a value that is itself a
    ``Message`` is worded in the same language. An unknown code is a bug: it raises KeyError."""
    zh, en = CATALOGUE[code]
    template = zh if lang == "zh" else en
    filled = {k: _worded(v, lang) for k, v in values.items()}
    try:
        return template.format(**filled)
    except (KeyError, IndexError, ValueError):  # a missing value, or one of another type than the text expects
        return _FIELD.sub(lambda m: str(filled.get(m.group(1), "")), template)


def _worded(value: Any, lang: str) -> Any:
    """A value as the text shows it: a message (anything with ``text(lang)``) worded in ``lang``, a
    list or tuple of values joined as a list is written in that language, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ("；" if lang == "zh" else "; ").join(str(_worded(v, lang)) for v in value)
    if not isinstance(value, str) and callable(getattr(value, "text", None)):
        return value.text(lang)
    return value


@dataclass(frozen=True)
class Message:
    """A message not yet worded: its code and values (picklable, so the engine can send it)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        return text(self.code, lang, **self.values)

    def __str__(self) -> str:
        return self.text("en")


def has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in s)


# An English sentence: three or more words in a row ("not a file", "close it in Excel") of which
# at least two are lower-case words ("AAA AA A", "C0001 XYPD" and file names are not sentences).
_ASCII_RUN = re.compile(r"\b[A-Za-z][a-z']*(?:[ ,;:()-]+[A-Za-z][a-z']*){2,}\b")
_LOWER_WORD = re.compile(r"\b[a-z][a-z']+\b")


def english_sentences(s: str) -> list[str]:
    """The runs of English words in ``s`` (what a Chinese screen or workbook must not hold)."""
    return [m for m in _ASCII_RUN.findall(s) if len(_LOWER_WORD.findall(m)) >= 2]
