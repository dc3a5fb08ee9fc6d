using System;
using System.Linq;

namespace StreamFiles.Core.Locations
{
    /// <summary>An S3 object (s3://bucket/key) or prefix (s3://bucket/, s3://bucket/prefix/).</summary>
    public sealed class S3Location : Location
    {
        public S3Location(string bucket, string key)
        {
            Bucket = bucket ?? throw new ArgumentNullException(nameof(bucket));
            Key = key ?? throw new ArgumentNullException(nameof(key));
        }

        public override LocationKind Kind => LocationKind.S3;

        public string Bucket { get; }

        /// <summary>The key, or the prefix when IsContainer ("" for the whole bucket).</summary>
        public string Key { get; }

        public override bool IsContainer => Key.Length == 0 || Key.EndsWith("/", StringComparison.Ordinal);

        public override string Display => "s3://" + Bucket + "/" + Key;

        public override string Name
        {
            get
            {
                string key = Key.TrimEnd('/');
                return key.Substring(key.LastIndexOf('/') + 1);
            }
        }

        public override Location Child(string relativePath)
        {
            if (relativePath is null)
            {
                throw new ArgumentNullException(nameof(relativePath));
            }

            if (relativePath.Length == 0 || relativePath.StartsWith("/", StringComparison.Ordinal) || relativePath.Split('/').Any(n => n == "." || n == ".."))
            {
                throw Unsafe(this, relativePath, "it is empty, rooted or climbs with '.' or '..'");
            }

            string prefix = IsContainer ? Key : Key + "/";
            return new S3Location(Bucket, prefix + relativePath);
        }

        internal static Location ParseUri(string text)
        {
            string rest = text.Substring(5);
            int slash = rest.IndexOf('/');
            string bucket = slash < 0 ? rest : rest.Substring(0, slash);
            string key = slash < 0 ? string.Empty : rest.Substring(slash + 1);
            if (bucket.Length == 0)
            {
                throw LocationFormatException.Invalid(text, "it names no bucket", "Write s3://bucket/key, or s3://bucket/prefix/ for everything under a prefix.");
            }

            foreach (char c in bucket)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
                if (!ok)
                {
                    throw LocationFormatException.Invalid(text, $"the bucket name '{bucket}' contains '{c}'", "Bucket names use letters, digits, dots and hyphens; write s3://bucket/key.");
                }
            }

            if (bucket.Length > 255)
            {
                throw LocationFormatException.Invalid(text, "the bucket name is longer than 255 characters", "Check the bucket name.");
            }

            foreach (char c in key)
            {
                if (c < 32 || c == 127)
                {
                    throw LocationFormatException.Invalid(text, "the key contains a control character", "Remove it from the key.");
                }
            }

            return new S3Location(bucket, key);
        }
    }
}
