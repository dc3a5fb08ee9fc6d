# Shared by the StreamFiles Pester tests: where the built module is, and small file helpers.

function Get-StreamFilesModulePath {
    if ($env:STREAMFILES_MODULE_PATH) {
        return $env:STREAMFILES_MODULE_PATH
    }
    $root = Split-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -Parent
    return Join-Path -Path $root -ChildPath 'out/StreamFiles/StreamFiles.psd1'
}

function New-RandomFile {
    param(
        [Parameter(Mandatory = $true)] [string] $LiteralPath,
        [Parameter(Mandatory = $true)] [long] $Length,
        [int] $Seed = 42
    )
    $random = New-Object System.Random($Seed)
    $bytes = New-Object byte[] $Length
    $random.NextBytes($bytes)
    [System.IO.File]::WriteAllBytes($LiteralPath, $bytes)
    Get-Item -LiteralPath $LiteralPath
}

Export-ModuleMember -Function Get-StreamFilesModulePath, New-RandomFile
