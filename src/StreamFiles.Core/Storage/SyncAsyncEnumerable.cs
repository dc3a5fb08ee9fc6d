using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StreamFiles.Core.Storage
{
    /// <summary>Presents a synchronous sequence (a directory walk) through the asynchronous listing interface.</summary>
    internal sealed class SyncAsyncEnumerable<T> : IAsyncEnumerable<T>
    {
        private readonly IEnumerable<T> _items;

        public SyncAsyncEnumerable(IEnumerable<T> items) => _items = items;

        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(_items.GetEnumerator(), cancellationToken);

        private sealed class Enumerator : IAsyncEnumerator<T>
        {
            private readonly IEnumerator<T> _inner;
            private readonly CancellationToken _cancellationToken;

            public Enumerator(IEnumerator<T> inner, CancellationToken cancellationToken)
            {
                _inner = inner;
                _cancellationToken = cancellationToken;
            }

            public T Current => _inner.Current;

            public ValueTask<bool> MoveNextAsync()
            {
                _cancellationToken.ThrowIfCancellationRequested();
                return new ValueTask<bool>(_inner.MoveNext());
            }

            public ValueTask DisposeAsync()
            {
                _inner.Dispose();
                return default;
            }
        }
    }
}
