// The synthetic track catalogue: features with the published marginals (tf_mini describe), correlated through a few
// latent factors, Zipf-like play popularity, and the hidden per-track traits the session model uses.
import { TRACK_FEATURES } from '../format/columns.ts';
import { Rng } from '../../util/rng.ts';
import {
  cumulative,
  fromQuartiles,
  identity,
  log,
  logBelow,
  logit,
  uuidLike,
  type QuartileMarginal,
} from './distributions.ts';

/** Latent factors behind the audio features; also the axes of a session's taste. */
const FACTORS = ['rhythm', 'organic', 'energy', 'newness', 'timbreA', 'timbreB'] as const;
type Factor = (typeof FACTORS)[number];
/** Taste is expressed over the first three factors (what a listener notices); the timbre ones only shape features. */
export const STYLE_DIMS = 3;

interface ContinuousSpec extends QuartileMarginal {
  loadings?: Partial<Record<Factor, number>>;
  decimals?: number;
}

// Quartiles, min and max from tf_mini describe() (one row per track, profile §3.1). Loadings give the strongest
// published correlations (profile §3.4): rhythm ties beat_strength/bounciness/dyn_range/danceability, organic ties
// organism/acousticness against mechanism, energy ties energy/loudness against flatness, newness ties release_year to
// acoustic_vector_1/4.
const CONTINUOUS: Partial<Record<(typeof TRACK_FEATURES)[number], ContinuousSpec>> = {
  duration: { q25: 183.933334, q50: 214.866669, q75: 250.426666, min: 30.01333, max: 1787.760986, warp: log, decimals: 6 },
  release_year: {
    q25: 2009, q50: 2015, q75: 2017, min: 1950, max: 2018, warp: logBelow(2018.5), loadings: { newness: 0.7 }, decimals: 0,
  },
  us_popularity_estimate: {
    q25: 99.50967, q50: 99.865444, q75: 99.961131, min: 90.0189, max: 99.999997, warp: logBelow(100), loadings: { newness: 0.25 },
  },
  acousticness: { q25: 0.025291, q50: 0.135821, q75: 0.406142, min: 0, max: 0.995796, warp: logit, loadings: { organic: 0.75, energy: -0.4 } },
  beat_strength: { q25: 0.374378, q50: 0.493764, q75: 0.604994, min: 0, max: 0.990419, warp: identity, loadings: { rhythm: 0.97 } },
  bounciness: { q25: 0.372463, q50: 0.522266, q75: 0.655912, min: 0, max: 0.97259, warp: identity, loadings: { rhythm: 0.98 } },
  danceability: { q25: 0.502499, q50: 0.625145, q75: 0.736241, min: 0, max: 0.984952, warp: identity, loadings: { rhythm: 0.9, organic: -0.3 } },
  dyn_range_mean: { q25: 6.356671, q50: 8.015075, q75: 9.792092, min: 0, max: 32.342781, warp: identity, loadings: { rhythm: 0.92 } },
  energy: { q25: 0.507839, q50: 0.661368, q75: 0.803185, min: 0, max: 0.999877, warp: identity, loadings: { energy: 0.85 } },
  flatness: { q25: 0.97591, q50: 1.00379, q75: 1.026137, min: 0, max: 1.103213, warp: identity, loadings: { energy: -0.6 } },
  instrumentalness: { q25: 1.084167e-8, q50: 2.21165e-6, q75: 7.654784e-4, min: 0, max: 0.9993988, warp: logit },
  liveness: { q25: 0.098249, q50: 0.131403, q75: 0.262823, min: 0, max: 0.996257, warp: logit },
  loudness: { q25: -8.942, q50: -6.688, q75: -5.043, min: -60, max: 1.634, warp: logBelow(2), loadings: { energy: 0.75 }, decimals: 3 },
  mechanism: { q25: 0.366652, q50: 0.571023, q75: 0.729537, min: 0, max: 1, warp: identity, loadings: { rhythm: 0.45, organic: -0.75 } },
  organism: { q25: 0.225742, q50: 0.364057, q75: 0.533131, min: 0, max: 0.96235, warp: logit, loadings: { organic: 0.9 } },
  speechiness: { q25: 0.038028, q50: 0.061794, q75: 0.160202, min: 0, max: 0.961408, warp: logit },
  tempo: { q25: 97.158997, q50: 120.115498, q75: 141.014008, min: 0, max: 218.774994, warp: identity },
  valence: { q25: 0.292559, q50: 0.478244, q75: 0.677947, min: 0, max: 0.99999, warp: identity, loadings: { rhythm: 0.3 } },
  acoustic_vector_0: {
    q25: -0.745148, q50: -0.334799, q75: 0.045921, min: -1.122792, max: 0.932165, warp: identity, loadings: { rhythm: -0.6, newness: -0.35 },
  },
  acoustic_vector_1: {
    q25: 0.08646, q50: 0.265535, q75: 0.359553, min: -1.08436, max: 0.812837, warp: identity, loadings: { newness: 0.55, energy: 0.3 },
  },
  acoustic_vector_2: { q25: 0.051604, q50: 0.207705, q75: 0.296132, min: -0.752231, max: 0.605288, warp: identity, loadings: { rhythm: 0.4 } },
  acoustic_vector_3: {
    q25: -0.294574, q50: -0.001755, q75: 0.146828, min: -0.809136, max: 1.074504, warp: identity, loadings: { timbreA: 0.8, rhythm: 0.45 },
  },
  acoustic_vector_4: {
    q25: -0.318751, q50: -0.176974, q75: 0.280852, min: -1.029858, max: 0.895769, warp: identity, loadings: { newness: -0.6, timbreB: 0.55 },
  },
  acoustic_vector_5: { q25: -0.038337, q50: 0.062719, q75: 0.160366, min: -0.942461, max: 0.380279, warp: identity, loadings: { timbreA: -0.85 } },
  acoustic_vector_6: { q25: -0.444849, q50: -0.298599, q75: -0.075158, min: -0.736395, max: 0.96676, warp: identity },
  acoustic_vector_7: {
    q25: -0.176821, q50: 0.090423, q75: 0.194285, min: -0.975647, max: 1.152213, warp: identity, loadings: { newness: 0.4, timbreB: -0.55 },
  },
};

/** Key shares of the full track table (profile §3.1), keys 0..11. */
const KEY_SHARES = [0.1182, 0.0933, 0.1063, 0.032, 0.0761, 0.0833, 0.0601, 0.1215, 0.0613, 0.105, 0.0687, 0.0742];
const TIME_SIGNATURES = [0, 1, 3, 4, 5];
const TIME_SIGNATURE_SHARES = [0.000552, 0.008145, 0.076858, 0.897779, 0.016665];
const MAJOR_SHARE = 0.64206;
const LONG_TRACK_SHARE = 0.01;
/** Zipf play weights 1/(rank + offset): the offset sets how much the top track takes (~1% of plays at 5k tracks). */
const ZIPF_OFFSET = 20;

export interface SynthCatalog {
  ids: string[];
  /** Row i = track i, TRACK_FEATURES order, mode as 1 = major. */
  features: Float32Array;
  width: number;
  /** Hidden: the track's position on the STYLE_DIMS taste axes (standard normal). */
  style: Float32Array;
  /** Hidden: how skippable the track is for everyone (logit offset, mean 0). */
  appeal: Float32Array;
  /** Cumulative play weights (Zipf over a noisy popularity rank). */
  playCumulative: Float64Array;
}

function roundTo(x: number, decimals: number | undefined): number {
  if (decimals === undefined) return Number(x.toPrecision(7));
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

export function generateTracks(count: number, seed: number): SynthCatalog {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`track count must be a positive integer, got ${count}`);
  const rng = Rng.derive(seed, 'tracks');
  const idRng = Rng.derive(seed, 'track-ids');
  const width = TRACK_FEATURES.length;
  const features = new Float32Array(count * width);
  const style = new Float32Array(count * STYLE_DIMS);
  const appeal = new Float32Array(count);
  const popularityScore = new Float64Array(count);
  const ids: string[] = new Array(count);
  const factor: Record<Factor, number> = { rhythm: 0, organic: 0, energy: 0, newness: 0, timbreA: 0, timbreB: 0 };

  for (let i = 0; i < count; i++) {
    ids[i] = `t_${uuidLike(idRng)}`;
    for (const f of FACTORS) factor[f] = rng.normal();
    for (let d = 0; d < STYLE_DIMS; d++) style[i * STYLE_DIMS + d] = factor[FACTORS[d]];
    for (let j = 0; j < width; j++) {
      const name = TRACK_FEATURES[j];
      let value: number;
      if (name === 'key') value = rng.choice(KEY_SHARES);
      else if (name === 'mode') value = rng.bernoulli(MAJOR_SHARE) ? 1 : 0;
      else if (name === 'time_signature') value = TIME_SIGNATURES[rng.choice(TIME_SIGNATURE_SHARES)];
      else {
        const spec = CONTINUOUS[name]!;
        let z = 0;
        let explained = 0;
        for (const [f, l] of Object.entries(spec.loadings ?? {}) as [Factor, number][]) {
          z += l * factor[f];
          explained += l * l;
        }
        z += Math.sqrt(Math.max(0, 1 - explained)) * rng.normal();
        if (name === 'us_popularity_estimate') popularityScore[i] = z;
        value = fromQuartiles(spec, z);
        // A few very long tracks (live sets, podcasts-like) give duration its published long tail (max ~30 min).
        if (name === 'duration' && rng.bernoulli(LONG_TRACK_SHARE)) value = 330 * (1787 / 330) ** (rng.next() ** 3);
        value = roundTo(value, spec.decimals);
      }
      features[i * width + j] = value;
    }
    // Popular and recent tracks are played more (the play-weighted means in profile §3.2 are higher than per-track).
    popularityScore[i] += 0.3 * factor.newness + 0.6 * rng.normal();
    // Appeal: a weak link to popularity (real marginal correlation with skips is ~0), mostly idiosyncratic.
    appeal[i] = 0.1 * popularityScore[i] + 0.6 * rng.normal();
  }

  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => popularityScore[b] - popularityScore[a]);
  const weights = new Float64Array(count);
  order.forEach((track, rank) => (weights[track] = 1 / (rank + 1 + ZIPF_OFFSET)));
  return { ids, features, width, style, appeal, playCumulative: cumulative(weights) };
}
