// The guided tour of each chapter, by the chapter's data-chapter id: 3 to 6 steps, each saying
// what to press, what to watch, and a one-sentence takeaway with its equation. `target` is the
// element the step points at (outlined and scrolled into view).

export const TOURS = {
  learning: [
    {
      title: 'start the run',
      target: '[data-transport] [data-action="play"]',
      press: 'Play in the bar at the top (it stays in view wherever you scroll).',
      watch: 'the Loss chart: long flat plateaus, each ended by a sudden drop.',
      takeaway: 'Each drop is one mode of the data being learned; the plateaus are saddle points of the loss.',
      eq: 'L = ½ Σμ ‖yμ − Wtot xμ‖²',
    },
    {
      title: 'one mode at a time',
      target: 'canvas[data-chart="modes"]',
      press: 'nothing; let it play (or drag across the chart for values).',
      watch: 'Mode strengths: each solid curve is a sigmoid that follows its dashed theory, the strongest mode first.',
      takeaway: 'A mode of strength s rises from its start u₀ to s along an exact curve.',
      eq: 'u(t) = s e^(2st/τ) / (e^(2st/τ) − 1 + s/u₀)',
    },
    {
      title: 'broad before fine',
      target: 'canvas[data-chart="output"]',
      press: 'drag Time in the bar back towards the start.',
      watch: 'the network output: whole categories fill in before the single items do.',
      takeaway: 'The output is the sum of the modes learned so far, each weighted by its strength.',
      eq: 'Ŷ(t) = U A(t) Vᵀ',
    },
    {
      title: 'the start sets the wait',
      target: '[data-param="scale"]',
      press: 'lower the initial Scale, then Reset and Play.',
      watch: 'the plateaus in Loss and Mode strengths get longer.',
      takeaway: 'The time to learn a mode grows with the log of how small it starts.',
      eq: 't ≈ (τ / 2s) ln(s / u₀)',
    },
    {
      title: 'too fast a rate',
      target: '[data-param="lr"]',
      press: 'raise the Learning rate until the hint warns of large steps, then Play.',
      watch: 'the message in the bar: past the stable rate the run diverges and stops.',
      takeaway: 'Gradient descent follows the continuous-time theory only while lr × s₁ is small.',
      eq: 'τ = 1/lr, lr × s₁ ≪ 1',
    },
  ],
  semantic: [
    {
      title: 'categories split in stages',
      target: 'canvas[data-chart="mds"]',
      press: 'Play in the bar.',
      watch: 'the map: plants part from animals first, then birds from fish, then single items.',
      takeaway: 'Distances between hidden representations grow mode by mode, broadest mode first.',
      eq: '‖hᵢ − hⱼ‖² = Σα aα(t) (vᵢα − vⱼα)²',
    },
    {
      title: 'believing something false',
      target: 'canvas[data-chart="illusion"]',
      press: 'pick an illusion from the list under the chart (e.g. pine · leaves).',
      watch: 'the output rises above 0 for a while, then falls back as finer modes are learned.',
      takeaway: 'A broad mode adds what the category has to every member, until finer modes correct it.',
      eq: 'ŷmi(t) = Σα aα(t) umα viα',
    },
    {
      title: 'typical items first',
      target: 'canvas[data-chart="typicality"]',
      press: 'choose a category mode above the chart.',
      watch: 'the items with larger entries cross the threshold earlier.',
      takeaway: 'An item is typical of a category in proportion to its object-analyzer entry.',
      eq: 'viα = uαᵀ yⁱ / sα',
    },
    {
      title: 'when a category is found',
      target: '[data-coherence] input[type="range"]',
      press: 'move the Coherence slider across C = 1 (no need to play).',
      watch: 'the overlap jumps from noise to near 1 once C passes the threshold.',
      takeaway: 'A category gets its own mode only when it is coherent enough to rise above the noise.',
      eq: 'C = S² Ko Kf / √(No Nf) > 1',
    },
  ],
  depth: [
    {
      title: 'depth against start',
      target: '[data-sweep-run]',
      press: 'Run sweep.',
      watch: 'the learning time of each start as the network gets deeper.',
      takeaway: 'Orthogonal and balanced starts learn in a time that levels off with depth; scaled Gaussian starts slow down.',
      eq: 'τ du/dt = D u^(2−2/D) (s − u)',
    },
    {
      title: 'why Gaussian starts slow down',
      target: '[data-spectra-depth]',
      press: 'drag the number of matrices D up.',
      watch: 'Gaussian products crowd their singular values near 0; orthogonal ones keep them all at 1.',
      takeaway: 'Products of random matrices squash most directions of the signal unless each factor is orthogonal.',
      eq: 'σ(W_D ⋯ W₁), WₗᵀWₗ = I',
    },
    {
      title: 'one mode in two layers',
      target: 'canvas[data-chart="phase"]',
      press: 'click anywhere in the phase portrait.',
      watch: 'the trajectory slides along a hyperbola into the solutions ab = s.',
      takeaway: 'The imbalance a² − b² is conserved, so a balanced start stays balanced.',
      eq: 'τ ȧ = b(s − ab), τ ḃ = a(s − ab)',
    },
  ],
};
