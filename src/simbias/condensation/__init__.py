"""Condensation: neuron features (orientation, amplitude), cosine-similarity matrix, orientation
clusters and effective width, merging/splitting neurons, relative distance RD.

Pure functions on tensors; imports only torch and :mod:`simbias.errors`.
"""

from ._distance import relative_distance as relative_distance
from ._features import Cluster as Cluster
from ._features import NeuronFeatures as NeuronFeatures
from ._features import cosine_similarity_matrix as cosine_similarity_matrix
from ._features import effective_width as effective_width
from ._features import input_vectors as input_vectors
from ._features import neuron_features as neuron_features
from ._features import orientation_clusters as orientation_clusters
from ._merge import MergedNet as MergedNet
from ._merge import merge_neurons as merge_neurons
from ._merge import split_neuron as split_neuron
from ._merge import two_layer_forward as two_layer_forward
from ._features import recorded_weights as recorded_weights
from ._merge import compressed_width as compressed_width

__all__ = [
    "NeuronFeatures",
    "neuron_features",
    "input_vectors",
    "cosine_similarity_matrix",
    "Cluster",
    "orientation_clusters",
    "effective_width",
    "MergedNet",
    "merge_neurons",
    "split_neuron",
    "two_layer_forward",
    "relative_distance",
    "recorded_weights",
    "compressed_width",
]
