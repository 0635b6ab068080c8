"""From-scratch models in plain, vectorised NumPy (not Keras layers).

- :mod:`.hopfield`: the Hopfield network of chapter 1.
- :mod:`.hmm`: the categorical hidden Markov model of chapter 2.
- :mod:`.numpy_rnn`: the recurrent network with hand-written BPTT of chapter 3.
- :mod:`.esn`: the echo state network (ridge readout, fit/predict/generate) of chapter 6.
"""
