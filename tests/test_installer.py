"""The Windows installer: its Chinese wizard says everything in Chinese, an upgrade keeps the user's
data, and the Windows build signs what it ships when a certificate is configured.

Inno Setup's compiler (ISCC) does not run here: these tests read its input as it does, the messages
file against what Inno Setup's English one holds (tests/data/inno_setup_messages.txt), the script
for what an upgrade and an uninstall do, and the workflow for the order of building and signing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from desktop import paths

ROOT = Path(__file__).resolve().parent.parent
ISL = ROOT / "packaging" / "ChineseSimplified.isl"
ISS = ROOT / "packaging" / "credit_desk.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
ENGLISH = ROOT / "tests" / "data" / "inno_setup_messages.txt"
BOM = b"\xef\xbb\xbf"

# Placeholders Inno Setup fills in (%1..%9, %n a line break, [name] ...), and & accelerators.
TOKEN = re.compile(r"%[1-9n]|\[(?:name|name/ver|mb|gb|kb)\]|&&|&(.)")
CJK = re.compile(r"[\u3400-\u9fff]")
# Latin words a Chinese Windows wizard keeps as they are: product, group, file and unit names, and
# the examples of InvalidPath (C:\APP, \\server\share).
KEPT_WORDS = {"Windows", "Service", "Pack", "Power", "Users", "UNC", "INI", "DLL", "OCX", "RegSvr32",
              "KB", "MB", "GB", "C", "APP", "server", "share"}
# Entries that are placeholders and units only, in every language.
NO_WORDS = {"UninstallDisplayNameMark", "UninstallDisplayNameMarks", "ComponentSize1", "ComponentSize2"}


def tokens(text: str) -> list[str]:
    return sorted("&" + m.group(1).upper() if m.group(1) else m.group(0) for m in TOKEN.finditer(text))


def ending(text: str) -> str:
    """How a message ends, the same for English and Chinese punctuation; "-" for anything else."""
    for mark, ends in (("...", ("...", "…")), (".", (".", "。")), ("?", ("?", "？")), (":", (":", "："))):
        if text.rstrip().endswith(ends):
            return mark
    return "-"


def read_isl(path: Path) -> dict[tuple[str, str], str]:
    """(section, key) -> value, as Inno Setup reads a messages file; a key given twice fails."""
    entries: dict[tuple[str, str], str] = {}
    section = ""
    for n, line in enumerate(path.read_bytes().decode("utf-8-sig").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, eq, value = line.partition("=")
        assert eq, f"{path.name} line {n} is no entry: {line!r}"
        assert (section, key) not in entries, f"{path.name} line {n}: {key} given twice"
        entries[(section, key)] = value
    return entries


def english() -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(section, key) -> (ending, tokens) of Inno Setup's English messages."""
    table = {}
    for line in ENGLISH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            section, key, end, *toks = line.split()
            table[(section, key)] = (end, sorted(toks))
    return table


def iss_sections() -> dict[str, list[str]]:
    """The script's sections (names in lower case) and their lines, without comments and blank lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in ISS.read_bytes().decode("utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if re.fullmatch(r"\[\w+\]", line):
            current = sections.setdefault(line[1:-1].lower(), [])
        else:
            current.append(line)
    return sections


def setup_directives() -> dict[str, str]:
    return dict(line.split("=", 1) for line in iss_sections()["setup"])


def entry_params(line: str) -> dict[str, str]:
    """Name: "x"; Flags: y  ->  {"Name": "x", "Flags": "y"} (an [Icons]/[InstallDelete]... entry)."""
    return {k: v.strip().strip('"') for k, v in re.findall(r'(\w+):\s*("[^"]*"|[^;]+)', line)}


# --- the Chinese messages file ---------------------------------------------------------------------

def test_the_messages_file_is_utf8_with_a_bom():
    raw = ISL.read_bytes()
    assert raw.startswith(BOM)  # Inno Setup 6 before 6.3 reads a .isl as UTF-8 only with it
    raw[len(BOM):].decode("utf-8")  # strictly: no byte of another code page slipped in
    # the script holds Chinese words too (its own messages, the product's Chinese name)
    assert ISS.read_bytes().startswith(BOM) and CJK.search(ISS.read_bytes().decode("utf-8-sig"))


def test_the_language_options_name_simplified_chinese():
    isl = read_isl(ISL)
    assert isl[("LangOptions", "LanguageName")] in ("简体中文", "<7B80><4F53><4E2D><6587>")
    assert isl[("LangOptions", "LanguageID")] == "$0804"  # what Windows' display language is matched with
    assert isl[("LangOptions", "LanguageCodePage")] in ("0", "936")


def test_every_english_message_has_a_chinese_one_and_no_other():
    isl, reference = read_isl(ISL), english()
    assert len(reference) >= 296  # Inno Setup 6.7's [Messages] and [CustomMessages], and 6.2's three more
    missing = [key for section, key in reference if (section, key) not in isl]
    assert not missing, f"shown in English in the Chinese wizard: {missing}"
    # a misspelt key is ignored by ISCC (with a warning), and its message shown in English
    unknown = [key for section, key in isl if section != "LangOptions" and (section, key) not in reference]
    assert not unknown, f"not Inno Setup messages: {unknown}"


def test_every_message_is_in_chinese():
    isl, reference = read_isl(ISL), english()
    for (section, key), (end, _) in reference.items():
        text = isl[(section, key)]
        if end == "empty":
            assert text == "", key
            continue
        if key not in NO_WORDS:
            assert CJK.search(text), f"{key} is not translated: {text!r}"
        english_words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", TOKEN.sub(" ", text))) - KEPT_WORDS
        assert not english_words, f"{key} keeps English words {english_words}: {text!r}"


def test_placeholders_and_accelerators_are_kept():
    isl, reference = read_isl(ISL), english()
    for (section, key), (_, expected) in reference.items():
        text = isl[(section, key)]
        assert tokens(text) == expected, f"{key}: {text!r} has {tokens(text)}, the English {expected}"
        # in Chinese the accelerator letter follows the word, in brackets: 下一步(&N)
        assert text.count("&") == len(re.findall(r"\(&[A-Z]\)", text)), f"{key}: {text!r}"


def test_messages_end_as_the_english_ones_do():
    """Inno Setup adds an ASCII period to some messages that end without one: a Chinese one that
    ends with 。 where the English has no period would show "。."; one that drops a question mark
    no longer asks."""
    isl, reference = read_isl(ISL), english()
    for (section, key), (end, _) in reference.items():
        if end != "empty":
            assert ending(isl[(section, key)]) == end, f"{key}: {isl[(section, key)]!r} should end as {end}"


def test_the_checks_catch_an_english_or_broken_entry(tmp_path):
    """The tests above fail on the mistakes a translator makes: a message left in English, a
    dropped placeholder, an accelerator written the English way, a doubled period."""
    good = ISL.read_bytes().decode("utf-8-sig")
    cases = {"ButtonNext=下一步(&N) >": "ButtonNext=&Next >",
             "DirExists=文件夹：%n%n%1%n%n": "DirExists=文件夹：%n%n",
             "ButtonFinish=完成(&F)": "ButtonFinish=&完成",
             "LdrCannotCreateTemp=无法创建临时文件。安装已中止": "LdrCannotCreateTemp=无法创建临时文件。安装已中止。"}
    broken = tmp_path / "broken.isl"
    for right, wrong in cases.items():
        assert right in good
        broken.write_bytes(BOM + good.replace(right, wrong).encode("utf-8"))
        key = right.split("=")[0]
        end, expected = english()[("Messages", key)]
        value = read_isl(broken)[("Messages", key)]
        caught = (not CJK.search(value) or tokens(value) != expected or ending(value) != end
                  or value.count("&") != len(re.findall(r"\(&[A-Z]\)", value)))
        assert caught, wrong


# --- the script: languages, upgrades, the user's data ----------------------------------------------

def test_chinese_is_the_first_language_and_english_the_second():
    entries = [entry_params(line) for line in iss_sections()["languages"]]
    assert [(e["Name"], e["MessagesFile"]) for e in entries] == [
        ("chinesesimplified", "ChineseSimplified.isl"), ("english", "compiler:Default.isl")]
    assert (ISS.parent / "ChineseSimplified.isl").is_file()  # MessagesFile is found beside the script
    setup = setup_directives()
    assert setup["ShowLanguageDialog"] == "auto" and setup["LanguageDetectionMethod"] == "uilanguage"


def test_an_upgrade_finds_the_earlier_installation_and_closes_the_running_program():
    setup = setup_directives()
    # the AppId is how a newer installer finds the older one: changing it installs a second copy
    assert setup["AppId"] == "{{6C1E6E0B-3F4A-4D8E-9C6B-2F7A1D5C8E41}"
    assert setup["UsePreviousAppDir"] == "yes"
    assert setup["CloseApplications"] == "yes" and setup["RestartApplications"] == "no"


def test_an_upgrade_speaks_the_windows_display_language_not_the_earlier_installers():
    # the earlier installers had English only: taking their language would show every clerk who
    # upgrades an English wizard on a Chinese Windows
    assert setup_directives()["UsePreviousLanguage"] == "no"


def test_an_app_mutex_only_when_the_program_creates_one():
    sources = [*(ROOT / "desktop").rglob("*.py"), ROOT / "packaging" / "launcher.py"]
    creates = any(re.search(r"CreateMutex", p.read_text(encoding="utf-8")) for p in sources)
    assert ("AppMutex" in setup_directives()) == creates


def test_every_custom_message_is_defined_in_both_languages():
    """ISCC stops at a {cm:X} no language defines, and shows another language's text where one lacks it."""
    script = ISS.read_bytes().decode("utf-8-sig")
    ours: dict[str, dict[str, str]] = {}
    for line in iss_sections()["custommessages"]:
        name, value = line.split("=", 1)
        language, _, key = name.partition(".")
        ours.setdefault(key, {})[language] = value
    for key, texts in ours.items():
        assert set(texts) == {"chinesesimplified", "english"}, key
        assert CJK.search(texts["chinesesimplified"]) or "{#AppNameZh}" in texts["chinesesimplified"], key
        assert not CJK.search(texts["english"]), key
    chinese = {key for section, key in read_isl(ISL) if section == "CustomMessages"}
    inno = {key for section, key in english() if section == "CustomMessages"}
    used = set(re.findall(r"\{cm:(\w+)", script))
    assert {"AppName", "CreateDesktopIcon", "UninstallProgram", "LaunchProgram"} <= used
    for key in used:
        assert key in ours or (key in chinese and key in inno), key
    # the product's name as the window calls itself in each language
    assert re.search(r'#define AppNameZh "(.+)"', script).group(1) == "信用管理台"
    assert re.search(r'#define AppNameEn "(.+)"', script).group(1) == "Credit Desk"


def test_install_and_uninstall_never_delete_the_users_data(tmp_path, monkeypatch):
    sections = iss_sections()
    assert "uninstalldelete" not in sections  # uninstalling removes what it installed, nothing more
    for line in sections.get("installdelete", []):
        entry = entry_params(line)
        target = entry["Name"]
        # only inside the program's folder, never the folder itself or all of it
        assert target.startswith("{app}\\") and not re.fullmatch(r"\{app\}\\\*?", target), line
        # and only where the program is: a folder chosen by hand may hold another program's files
        assert entry["Check"] == "FileExists(ExpandConstant('{app}\\{#AppExe}'))", line
    for line in sections["files"]:
        assert entry_params(line)["DestDir"].startswith("{app}"), line
    for line in [line for lines in sections.values() for line in lines]:
        # {localappdata}, {userappdata}, {commonappdata}, {%APPDATA}, {%LOCALAPPDATA}: none at all
        assert not re.search(r"appdata", line, re.I), line
    # where the program keeps the data on Windows, and that it is not under the per-user install
    # folder {autopf} = %LOCALAPPDATA%\Programs (nor that under it)
    local = tmp_path / "Local"
    monkeypatch.delenv("CREDIT_DESK_HOME", raising=False)
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setattr(sys, "platform", "win32")
    data = paths.user_data_folder()
    monkeypatch.undo()
    assert data == local / "CreditDesk"
    assert setup_directives()["DefaultDirName"] == "{autopf}\\CreditDesk"
    program = local / "Programs" / "CreditDesk"
    assert program not in data.parents and data not in program.parents and data != program


def test_the_console_program_gets_no_start_menu_entry_of_its_own():
    icons = [entry_params(line) for line in iss_sections()["icons"]]
    assert all(e["Filename"] in ("{app}\\{#AppExe}", "{uninstallexe}") for e in icons)
    assert sum(e["Name"].startswith("{group}") and e["Filename"] == "{app}\\{#AppExe}" for e in icons) == 1


# --- the workflow: signing ---------------------------------------------------------------------------

def workflow_steps() -> list[tuple[str, str]]:
    """(name, text) of each step of the Windows job, in order."""
    text = WORKFLOW.read_text(encoding="utf-8")
    body = text.split("\n    steps:\n", 1)[1]
    steps = re.split(r"\n(?=      - )", body)
    named = []
    for step in steps:
        m = re.search(r"^      - (?:name: (.+)|uses: (.+))$", step, re.M) or re.search(r"^        name: (.+)$", step, re.M)
        named.append(((m.group(1) or m.group(2)).strip() if m else "", step))
    return named


def test_the_programs_are_signed_before_the_installer_packs_them_and_the_installer_after():
    steps = workflow_steps()
    names = [name for name, _ in steps]

    def index(pattern: str) -> int:
        (i,) = [n for n, name in enumerate(names) if re.search(pattern, name, re.I)]
        return i

    build, cert, programs = index(r"^Build the frozen app"), index(r"^Code-signing certificate"), index(r"^Sign the programs")
    installer, signed, removed = index(r"^Build the installer"), index(r"^Sign the installer"), index(r"^Remove the signing")
    upload = index(r"upload-artifact")
    assert build < cert < programs < installer < signed < removed < upload
    assert "dist\\CreditDesk\\CreditDesk.exe" in steps[programs][1]
    assert "dist\\CreditDesk\\credit-desk.exe" in steps[programs][1]
    assert "dist\\CreditDesk-*-setup.exe" in steps[signed][1]
    for i in (programs, signed):
        assert "if: steps.cert.outputs.configured == 'true'" in steps[i][1]
    assert "if: always()" in steps[removed][1] and "credit-desk-signing.pfx" in steps[removed][1]
    assert "credit-desk-signing.pfx" in steps[cert][1] and "FromBase64String" in steps[cert][1]
    # no certificate: the build goes on unsigned and says so
    assert re.search(r"::notice.*unsigned.*SmartScreen", steps[cert][1])


def test_the_secrets_reach_only_the_signing_steps():
    text = WORKFLOW.read_text(encoding="utf-8")
    job_env = text.split("\n    steps:\n", 1)[0]
    assert "secrets." not in job_env  # not in the environment of pip, the tests or the build
    for name, step in workflow_steps():
        if "secrets." in step:
            assert re.match(r"(Code-signing certificate|Sign the )", name), name
            assert set(re.findall(r"secrets\.(\w+)", step)) <= {"WINDOWS_CERT_PFX_BASE64", "WINDOWS_CERT_PASSWORD"}
        for condition in re.findall(r"^\s+if: (.+)$", step, re.M):
            assert "secrets." not in condition, name  # GitHub rejects secrets in an if:


def test_signtool_signs_with_a_timestamp_and_verifies():
    script = (ROOT / "packaging" / "sign.ps1").read_text(encoding="utf-8")
    assert "sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f $env:PFX /p $env:WINDOWS_CERT_PASSWORD" in script
    assert "verify /pa" in script
    assert script.count("$LASTEXITCODE") >= 2  # a failed signature fails the build
    steps = dict(workflow_steps())
    assert "Windows Kits\\10\\bin" in steps["Code-signing certificate"]
    assert 'for the "chinesesimplified" language' in steps["Build the installer"]
