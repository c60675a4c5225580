; Inno Setup script: packs dist\食安台账 (built by foodsafety-desktop.spec) into one setup .exe.
; Installs per user (no administrator rights needed on office PCs); data stays in
; %LOCALAPPDATA%\foodsafety\foodsafety-desktop and is never removed by uninstalling.
#define AppName "食安台账"
#define AppVersion "0.1.0"

[Setup]
AppId={{6E4B7C1A-2F0D-4A8E-9C3B-5D1F7A2E8B40}
AppName={#AppName}
AppVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
OutputBaseFilename=食安台账-{#AppVersion}-安装程序
Compression=lzma2
SolidCompression=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\dist\{#AppName}\*"; DestDir: "{app}"; Flags: recursesubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppName}.exe"
Name: "{group}\{#AppName}（演示）"; Filename: "{app}\{#AppName}.exe"; Parameters: "--demo"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppName}.exe"
