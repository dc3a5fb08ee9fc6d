namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// A host sink that can tell a "no" from ShouldProcess given by -WhatIf (nothing is done, but the user wants to
    /// see everything that would be) from one the user gave (-Confirm: what depends on it is passed over too).
    /// </summary>
    public interface IShouldProcessReason
    {
        /// <summary>True when the last ShouldProcess answered false because of -WhatIf.</summary>
        bool LastAnswerWasWhatIf { get; }

        /// <summary>True when the command runs under -WhatIf: every question will be answered no, and should be asked only about what a real run would do.</summary>
        bool WhatIfMode { get; }
    }
}
