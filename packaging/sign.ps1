# Signs Windows executables with the code-signing certificate the Windows workflow decoded
# (.github/workflows/windows.yml), with an RFC 3161 timestamp so the signature stays valid after the
# certificate expires, then verifies each signature against the Windows trust policy.
#   pwsh packaging/sign.ps1 FILE...      environment: SIGNTOOL, PFX, WINDOWS_CERT_PASSWORD
param([Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$Files)
$ErrorActionPreference = "Stop"
foreach ($file in $Files) {
  if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { throw "nothing to sign at $file" }
}
for ($try = 1; ; $try++) {
  & $env:SIGNTOOL sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f $env:PFX /p $env:WINDOWS_CERT_PASSWORD @Files
  if ($LASTEXITCODE -eq 0) { break }
  if ($try -ge 3) { throw "signtool sign failed with exit code $LASTEXITCODE" }
  Start-Sleep -Seconds (15 * $try)  # the timestamp server turns requests away now and then
}
& $env:SIGNTOOL verify /pa @Files
if ($LASTEXITCODE -ne 0) { throw "signtool verify failed with exit code $LASTEXITCODE" }
