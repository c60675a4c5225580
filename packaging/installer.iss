; Inno Setup 6 script: packs dist\食安台账 (built by foodsafety-desktop.spec) into one setup .exe,
; dist\食安台账-<version>-安装程序.exe.  Build: iscc packaging\installer.iss (see README.md).
; Installs per user (no administrator rights needed on office PCs).  The clerk's data stays in
; %LOCALAPPDATA%\foodsafety\foodsafety-desktop (database, archive, backups): neither installing,
; upgrading nor uninstalling touches it; only the program folder {app} is removed.
#define AppName "食安台账"
#define AppVersion "0.1.0"
#define GuiExe "食安台账.exe"
#define CliExe "foodsafety-desktop.exe"

[Setup]
AppId={{6E4B7C1A-2F0D-4A8E-9C3B-5D1F7A2E8B40}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-安装程序
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; An open window holds its files: ask to close it before replacing or removing them.
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："

[InstallDelete]
; An upgrade replaces the whole runtime: no library of the old version is left to be loaded.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; Both programs (the window and the command line) and their shared _internal folder.
Source: "..\dist\{#AppName}\{#GuiExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\dist\{#AppName}\{#CliExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\dist\{#AppName}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"
Name: "{group}\{#AppName}（演示）"; Filename: "{app}\{#GuiExe}"; Parameters: "--demo"; WorkingDir: "{userdocs}"; Comment: "用演示数据打开，关闭后演示数据删除，不影响正式台账"
Name: "{group}\卸载{#AppName}"; Filename: "{uninstallexe}"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "立即打开{#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder: anything the runtime left in it (never the data folder, which is
; %LOCALAPPDATA%\foodsafety, outside {app}).
Type: filesandordirs; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"
