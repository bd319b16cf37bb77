; Inno Setup script: a Windows installer for the frozen app in dist\CreditDesk\.
;   ISCC.exe /DAppVersion=0.1.0 packaging\credit_desk.iss    ->  dist\CreditDesk-0.1.0-setup.exe
; Installs per user by default (no administrator rights needed; the clerk may choose all users),
; adds a Start menu entry, and never touches the user's data (settings, mapping profiles, logs
; live in %APPDATA%\CreditDesk and stay on uninstall).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Credit Desk"
#define AppExe "CreditDesk.exe"

[Setup]
AppId={{6C1E6E0B-3F4A-4D8E-9C6B-2F7A1D5C8E41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Credit Desk
DefaultDirName={autopf}\CreditDesk
DefaultGroupName={#AppName}
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
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\dist\CreditDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
