; Inno Setup script: a Windows installer for the frozen app in dist\CreditDesk\.
;   ISCC.exe /DAppVersion=0.1.0 packaging\credit_desk.iss    ->  dist\CreditDesk-0.1.0-setup.exe
; Installs per user by default (no administrator rights needed; the clerk may choose all users),
; adds a Start menu entry, and never touches the user's data: settings, mapping profiles, logs and
; the rating register live in %LOCALAPPDATA%\CreditDesk, outside {app}; nothing here deletes there,
; and uninstalling removes only the files it installed, so the data stays for the next version.
; The wizard speaks Simplified Chinese (packaging/ChineseSimplified.isl, our translation: Inno Setup
; ships none) or English, as Windows' display language says. Saved as UTF-8 with a BOM, which
; Inno Setup before 6.3 needs to read the Chinese texts below. Checked by tests/test_installer.py.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppNameEn "Credit Desk"
#define AppNameZh "信用管理台"
#define AppExe "CreditDesk.exe"

[Setup]
; Never change AppId: an upgrade finds the earlier installation (its folder, language, Start menu
; folder and uninstall log) by it.
AppId={{6C1E6E0B-3F4A-4D8E-9C6B-2F7A1D5C8E41}
AppName={cm:AppName}
AppVersion={#AppVersion}
AppVerName={cm:AppName} {#AppVersion}
AppPublisher=Credit Desk
VersionInfoProductName={#AppNameEn}
VersionInfoDescription={#AppNameZh} ({#AppNameEn}) 安装程序
DefaultDirName={autopf}\CreditDesk
DefaultGroupName={cm:AppName}
; An upgrade installs where the earlier version is, and closes a running CreditDesk.exe (the
; window and its engine process) through Windows' Restart Manager without starting it again
; afterwards. No AppMutex: the program creates no mutex. The wizard speaks Windows' display
; language on an upgrade too: the earlier installers had English only, whose language it would take.
UsePreviousAppDir=yes
UsePreviousLanguage=no
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=auto
LanguageDetectionMethod=uilanguage
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=CreditDesk-{#AppVersion}-setup
SetupIconFile=credit_desk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
; Windows' display language picks one; where it is neither (Traditional Chinese included), the
; wizard asks first, offering the first language listed.
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
chinesesimplified.AppName={#AppNameZh}
english.AppName={#AppNameEn}
chinesesimplified.AppComment=客户信用评级、信用期限与审批
english.AppComment=Customer credit rating, payment terms and approvals

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade removes the earlier version's libraries first (a newer build drops or renames some,
; and a stale one left beside the new ones could be loaded). Only inside {app}, and only where the
; program is installed (a folder chosen by hand may hold another program's "_internal").
Type: filesandordirs; Name: "{app}\_internal"; Check: FileExists(ExpandConstant('{app}\{#AppExe}'))

[Files]
Source: "..\dist\CreditDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; One Start menu entry for the window; the console program credit-desk.exe is in {app} beside it.
Name: "{group}\{cm:AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Comment: "{cm:AppComment}"
Name: "{group}\{cm:UninstallProgram,{cm:AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{cm:AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{cm:AppName}}"; Flags: nowait postinstall skipifsilent
